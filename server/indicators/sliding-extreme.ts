/**
 * Maximum (or minimum) of the last `size` values in amortised O(1) per push, without allocation:
 * a monotonic deque of (value, sequence number) pairs in preallocated ring arrays.
 */
export class SlidingExtreme {
  private readonly values: Float64Array;
  private readonly positions: Float64Array;
  private readonly capacity: number;
  private front = 0;
  private length = 0;
  private pushed = 0;

  constructor(
    readonly size: number,
    private readonly keepMax: boolean,
  ) {
    this.capacity = size + 1;
    this.values = new Float64Array(this.capacity);
    this.positions = new Float64Array(this.capacity);
  }

  /** Adds a value and returns the extreme of the last `size` values (including this one). */
  push(value: number): number {
    const cap = this.capacity;
    // Drop from the back every value the new one dominates: it can never be the extreme again.
    while (this.length > 0) {
      const back = (this.front + this.length - 1) % cap;
      const v = this.values[back];
      if (this.keepMax ? v <= value : v >= value) this.length--;
      else break;
    }
    const slot = (this.front + this.length) % cap;
    this.values[slot] = value;
    this.positions[slot] = this.pushed;
    this.length++;
    // Drop from the front what has left the window.
    const oldestAllowed = this.pushed - this.size + 1;
    while (this.positions[this.front] < oldestAllowed) {
      this.front = (this.front + 1) % cap;
      this.length--;
    }
    this.pushed++;
    return this.values[this.front];
  }

  get current(): number {
    return this.values[this.front];
  }

  reset(): void {
    this.front = 0;
    this.length = 0;
    this.pushed = 0;
  }
}
