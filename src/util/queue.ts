/**
 * Between a producer and its workers: at most `capacity` items wait here. `push` waits while it
 * is full, so a producer that runs ahead of the workers never holds more than that in memory.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly capacity: number;
  private readonly waitingPullers: ((item: T | undefined) => void)[] = [];
  private readonly waitingPushers: (() => void)[] = [];
  private closed = false;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  async push(item: T): Promise<void> {
    const puller = this.waitingPullers.shift();
    if (puller) {
      puller(item);
      return;
    }
    while (this.items.length >= this.capacity) {
      await new Promise<void>((resolve) => this.waitingPushers.push(resolve));
    }
    this.items.push(item);
  }

  /** The next item; undefined once the queue is closed and empty. */
  pull(): Promise<T | undefined> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.waitingPushers.shift()?.();
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waitingPullers.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const puller of this.waitingPullers.splice(0)) puller(undefined);
  }
}
