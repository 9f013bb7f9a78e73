// Window/level in the browser: the same formulas as iep_app/dicom/lut.py (GrayPipeline),
// applied through one lookup table per (pipeline, window) indexed by the raw stored word.
// tests/unit/viewer/test_windowing_js.py checks these tables against the Python engine,
// entry for entry: a change there must be made here too.

const LUT_CACHE_SIZE = 12;
const lutCache = new Map();

// Stored value of every 8- or 16-bit word pattern: bits above Bits Stored dropped and the
// sign extended, as GrayPipeline.words() does.
function wordValue(pattern, bits, signed) {
  let value = pattern & ((1 << bits) - 1);
  if (signed && value >= 1 << (bits - 1)) value -= 1 << bits;
  return value;
}

// The standard's VOI functions (PS3.3 C.11.2.1.2), before truncation.
export function voi(x, center, width, fn) {
  if (fn === "SIGMOID") return 255.0 / (1.0 + Math.exp((-4.0 * (x - center)) / Math.max(width, 1e-6)));
  if (fn === "LINEAR_EXACT") {
    const w = Math.max(width, 1e-6);
    if (x <= center - w / 2) return 0.0;
    if (x > center + w / 2) return 255.0;
    return ((x - center) / w + 0.5) * 255.0;
  }
  const w = Math.max(width, 1.0);
  const low = center - 0.5 - (w - 1) / 2;
  const high = center - 0.5 + (w - 1) / 2;
  if (x <= low) return 0.0;
  if (x > high) return 255.0;
  // This operation order keeps exact results exact (lut.py explains why it matters).
  return ((x - low) * 255.0) / Math.max(w - 1, 1e-6);
}

// Modality value of a stored value: the linear rescale, truncated toward zero as DCMTK
// and lut.GrayPipeline.modality do.
export function modality(value, pipe) {
  return Math.trunc(value * pipe.slope + pipe.intercept);
}

// Grey level 0-255 of one modality value: clipped, inverted if asked, then truncated.
export function grey(x, window, fn, invert) {
  const y = Math.min(Math.max(voi(x, window.center, window.width, fn), 0), 255);
  return Math.floor(invert ? 255 - y : y);
}

// A Uint32Array of opaque RGBA pixels (little endian) indexed by stored word pattern.
export function lutFor(pipe, wordBytes, window, invert) {
  const key = [pipe.bits, pipe.signed, pipe.slope, pipe.intercept, pipe.fn, wordBytes, window.center, window.width, invert].join("|");
  let lut = lutCache.get(key);
  if (lut) {
    lutCache.delete(key); // most recently used last
    lutCache.set(key, lut);
    return lut;
  }
  const size = wordBytes === 2 ? 65536 : 256;
  const bits = Math.min(pipe.bits, 8 * wordBytes);
  lut = new Uint32Array(size);
  for (let pattern = 0; pattern < size; pattern++) {
    const g = grey(modality(wordValue(pattern, bits, pipe.signed), pipe), window, pipe.fn, invert);
    lut[pattern] = 0xff000000 | (g << 16) | (g << 8) | g;
  }
  lutCache.set(key, lut);
  if (lutCache.size > LUT_CACHE_SIZE) lutCache.delete(lutCache.keys().next().value);
  return lut;
}

// The min-max window of a frame's modality values, as lut.min_max_window.
export function rangeWindow(words, pipe, wordBytes) {
  const bits = Math.min(pipe.bits, 8 * wordBytes);
  const seen = new Uint8Array(wordBytes === 2 ? 65536 : 256);
  for (let i = 0; i < words.length; i++) seen[words[i]] = 1;
  let low = Infinity;
  let high = -Infinity;
  for (let pattern = 0; pattern < seen.length; pattern++) {
    if (!seen[pattern]) continue;
    const x = modality(wordValue(pattern, bits, pipe.signed), pipe);
    if (x < low) low = x;
    if (x > high) high = x;
  }
  if (!isFinite(low)) return { center: 0, width: 1 };
  return { center: (low + high + 1) / 2, width: high - low + 1 };
}

// Fill RGBA pixels from stored words through a LUT: one lookup per pixel.
export function applyLut(words, lut, out32) {
  for (let i = 0; i < words.length; i++) out32[i] = lut[words[i]];
}

// Window after dragging by (dx, dy) CSS pixels from a starting window: right widens,
// down raises the level. The step follows the starting width, so narrow windows move finely.
export function dragWindow(start, dx, dy) {
  const step = Math.max(start.width, 20) / 300;
  return {
    center: Math.round((start.center + dy * step) * 10) / 10,
    width: Math.max(1, Math.round((start.width + dx * step) * 10) / 10),
  };
}
