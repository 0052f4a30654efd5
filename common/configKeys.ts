/**
 * The keys wrangler knows in a config, as its own config types declare them (workers-utils `ConfigFields`,
 * `EnvironmentInheritable`, `EnvironmentNonInheritable`): which may appear at the top level, which in an
 * `[env.<name>]` section, and which an environment inherits from the top level. wrangler warns about any other key
 * ("Unexpected fields found in top-level field") and ignores it.
 */

/** Only at the top level; never in an environment. */
export const TOP_LEVEL_ONLY_KEYS: ReadonlySet<string> = new Set([
  '$schema',
  'env',
  'legacy_env',
  'send_metrics',
  'dev',
  'site',
  'wasm_modules',
  'text_blobs',
  'data_blobs',
  'alias',
  'keep_vars',
  'pages_build_output_dir',
]);

/** Set at the top level, overridable per environment, inherited when an environment does not set them. */
export const INHERITABLE_KEYS: ReadonlySet<string> = new Set([
  'name',
  'account_id',
  'compatibility_date',
  'compatibility_flags',
  'main',
  'find_additional_modules',
  'preserve_file_names',
  'base_dir',
  'workers_dev',
  'preview_urls',
  'routes',
  'route',
  'tsconfig',
  'jsx_factory',
  'jsx_fragment',
  'migrations',
  'triggers',
  'limits',
  'rules',
  'build',
  'no_bundle',
  'minify',
  'keep_names',
  'first_party_worker',
  'logfwdr',
  'logpush',
  'upload_source_maps',
  'placement',
  'assets',
  'observability',
  'cache',
  'compliance_region',
  'python_modules',
  'previews',
]);

/** Vars and bindings: each environment declares its own; nothing is inherited from the top level. */
export const NON_INHERITABLE_KEYS: ReadonlySet<string> = new Set([
  'define',
  'vars',
  'secrets',
  'durable_objects',
  'workflows',
  'cloudchamber',
  'containers',
  'kv_namespaces',
  'send_email',
  'queues',
  'r2_buckets',
  'd1_databases',
  'vectorize',
  'ai_search_namespaces',
  'ai_search',
  'hyperdrive',
  'services',
  'analytics_engine_datasets',
  'browser',
  'ai',
  'images',
  'media',
  'stream',
  'version_metadata',
  'unsafe',
  'mtls_certificates',
  'tail_consumers',
  'streaming_tail_consumers',
  'dispatch_namespaces',
  'pipelines',
  'secrets_store_secrets',
  'artifacts',
  'unsafe_hello_world',
  'flagship',
  'ratelimits',
  'worker_loaders',
  'vpc_services',
  'vpc_networks',
]);

/** Keys wrangler still reads but reports as deprecated (not as unknown): no unknown-key warning for them. */
export const DEPRECATED_KEYS: ReadonlySet<string> = new Set([
  'type',
  'webpack_config',
  'usage_model',
  'zone_id',
  'miniflare',
  'node_compat',
  'kv-namespaces',
  'experimental_services',
]);

/** Every key valid at the top level. */
export const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([...TOP_LEVEL_ONLY_KEYS, ...INHERITABLE_KEYS, ...NON_INHERITABLE_KEYS, ...DEPRECATED_KEYS]);

/** Every key valid in an `[env.<name>]` section. */
export const ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([...INHERITABLE_KEYS, ...NON_INHERITABLE_KEYS, ...DEPRECATED_KEYS]);
