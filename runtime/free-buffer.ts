/**
 * Frees a buffer's memory now, by detaching it, rather than whenever a collection finds it unreferenced:
 * for large buffers that are garbage as soon as they have been copied or sent on, and would otherwise pile up
 * in a thread's malloc heap between collections (and leave it fragmented after). Only a view over the whole of
 * its buffer is detached, which a slice of Buffer's shared pool never is (the pool serves requests of under
 * half its size); the caller makes sure nothing else still reads it.
 */
export function freeWholeBuffer(view: ArrayBufferView): void {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) freeBuffer(view);
}

/**
 * Frees the whole buffer under a view now, by detaching it: for a thread that owns what was moved to it (a
 * worker's inputs, bodies and outputs), where no other view can be reading the rest.
 */
export function freeBuffer(view: ArrayBufferView): void {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}
