import { type ComponentType, type LazyExoticComponent, lazy } from 'react';

const RELOAD_KEY = 'syft_chunk_reload';

/**
 * `React.lazy` that survives a deploy: when a chunk fails to load (its hash no longer exists), reload the page once
 * to pick up the new `index.html`; a second failure in a row is a real error (web.md §1).
 */
export function lazyPage<P extends object>(
  load: () => Promise<{ default: ComponentType<P> }>,
): LazyExoticComponent<ComponentType<P>> {
  return lazy(async () => {
    try {
      const module = await load();
      window.sessionStorage.removeItem(RELOAD_KEY);
      return module;
    } catch (error) {
      if (!window.sessionStorage.getItem(RELOAD_KEY)) {
        window.sessionStorage.setItem(RELOAD_KEY, '1');
        window.location.reload();
        return new Promise<never>(() => undefined);
      }
      throw error;
    }
  });
}
