/** Keeps the k items of least distance seen so far in a binary max-heap: O(log k) per offer, O(k) memory. */
export class TopK<T> {
  private readonly heap: Array<{ distance: number; item: T }> = [];

  constructor(private readonly k: number) {}

  offer(distance: number, item: T): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push({ distance, item });
      this.up(heap.length - 1);
    } else if (heap.length > 0 && distance < heap[0]!.distance) {
      heap[0] = { distance, item };
      this.down(0);
    }
  }

  /** The kept items, nearest first (ties keep no particular order). */
  sorted(): Array<{ distance: number; item: T }> {
    return [...this.heap].sort((a, b) => a.distance - b.distance);
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.distance >= heap[i]!.distance) return;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && heap[left]!.distance > heap[largest]!.distance) largest = left;
      if (right < heap.length && heap[right]!.distance > heap[largest]!.distance) largest = right;
      if (largest === i) return;
      [heap[largest], heap[i]] = [heap[i]!, heap[largest]!];
      i = largest;
    }
  }
}
