/** Anything that holds a process, a timer, a socket or a listener. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/** Wraps a function as a Disposable that runs at most once. */
export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let isDisposed = false;
  return {
    dispose: () => {
      if (isDisposed) return;
      isDisposed = true;
      return fn();
    },
  };
}

/**
 * Holds disposables in creation order and disposes them in reverse, awaiting each.
 * A failure in one does not stop the others; the first error is rethrown at the end.
 */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private isDisposed = false;

  /** Registers `item` and returns it, so creation and registration sit on one line. */
  add<T extends Disposable>(item: T): T {
    if (this.isDisposed) {
      // Registering after shutdown began would leak the resource: release it at once.
      void Promise.resolve(item.dispose()).catch(() => undefined);
      return item;
    }
    this.items.push(item);
    return item;
  }

  get size(): number {
    return this.items.length;
  }

  async dispose(): Promise<void> {
    if (this.isDisposed) return;
    this.isDisposed = true;
    let firstError: unknown;
    while (this.items.length > 0) {
      const item = this.items.pop()!;
      try {
        await item.dispose();
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}
