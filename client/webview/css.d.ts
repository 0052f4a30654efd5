// esbuild bundles the stylesheet a script imports into dist/webview.css (loaded by the panel's HTML).
declare module '*.css';
