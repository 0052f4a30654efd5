/**
 * Live reload's trigger: watches exactly the files the last build read (esbuild's metafile) and the wrangler config,
 * through their folders (an editor that saves by renaming replaces the file, which a watch on the file itself would
 * lose), and calls `onChange` once per burst of changes (editors write a file in several steps). A file that is not
 * an input (a new module) joins the watch when an import makes it one, at the next build.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Changes closer together than this are one burst. */
const SETTLE_MS = 40;

export interface ProjectWatcher {
  /** Watch these files from now on (after each build: its inputs and the config). */
  update(files: string[]): void;
  close(): void;
}

export function watchFiles(files: string[], onChange: (changed: string[]) => void): ProjectWatcher {
  const watchers = new Map<string, FSWatcher>();
  let watched = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let changed = new Set<string>();

  const onEvent = (dir: string, name: string | null) => {
    const file = name ? path.join(dir, name) : undefined;
    if (!file || !watched.has(file)) return;
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const burst = [...changed];
      changed = new Set();
      onChange(burst);
    }, SETTLE_MS);
  };

  const update = (next: string[]) => {
    watched = new Set(next.filter((file) => !file.split(path.sep).includes('node_modules')));
    const dirs = new Set([...watched].map((file) => path.dirname(file)));
    for (const [dir, watcher] of watchers) {
      if (!dirs.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => onEvent(dir, name));
        watcher.unref();
        watchers.set(dir, watcher);
      } catch {
        // A folder that vanished: the next build's inputs say what to watch.
      }
    }
  };
  update(files);
  return {
    update,
    close: () => {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
