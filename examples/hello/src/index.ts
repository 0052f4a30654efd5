// A minimal module worker: answers JSON describing the request, or plain text at /.
export default {
  async fetch(request, env, ctx): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      return new Response('Hello from Worker Studio!\n', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return Response.json({
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      userAgent: request.headers.get('user-agent'),
    });
  },
} satisfies ExportedHandler<Env>;
