// Where the image sits on the canvas: zoom, pan, pixel aspect, and lengths in mm.
// Image coordinates are continuous (column, row): pixel (c, r) covers [c, c+1) x [r, r+1).

export const MIN_SCALE = 0.05;
export const MAX_SCALE = 40;

// Display units per image pixel, so non-square pixels (Pixel Spacing rows != columns)
// keep the patient's proportions. 1:1 shows the finer axis one pixel per CSS pixel.
export function aspect(image) {
  if (!image || !image.spacing) return { ax: 1, ay: 1 };
  const [row, column] = image.spacing;
  const finer = Math.min(row, column);
  return { ax: column / finer, ay: row / finer };
}

export function fitScale(image, width, height) {
  const { ax, ay } = aspect(image);
  if (!image || !image.columns || !image.rows || !width || !height) return 1;
  return Math.min(width / (image.columns * ax), height / (image.rows * ay));
}

// view: {scale, panX, panY}; size: {width, height} of the canvas in CSS pixels.
export function imageToClient(view, image, size, c, r) {
  const { ax, ay } = aspect(image);
  return {
    x: size.width / 2 + view.panX + (c - image.columns / 2) * view.scale * ax,
    y: size.height / 2 + view.panY + (r - image.rows / 2) * view.scale * ay,
  };
}

export function clientToImage(view, image, size, x, y) {
  const { ax, ay } = aspect(image);
  return {
    c: (x - size.width / 2 - view.panX) / (view.scale * ax) + image.columns / 2,
    r: (y - size.height / 2 - view.panY) / (view.scale * ay) + image.rows / 2,
  };
}

// Zoom by a factor while the image point under (x, y) stays under it.
export function zoomAbout(view, image, size, factor, x, y) {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const { c, r } = clientToImage(view, image, size, x, y);
  const { ax, ay } = aspect(image);
  return {
    scale,
    panX: x - size.width / 2 - (c - image.columns / 2) * scale * ax,
    panY: y - size.height / 2 - (r - image.rows / 2) * scale * ay,
  };
}

// The canvas transform (device pixels) that draws the image at its place.
export function canvasTransform(view, image, size, dpr) {
  const { ax, ay } = aspect(image);
  const origin = imageToClient(view, image, size, 0, 0);
  return [view.scale * ax * dpr, 0, 0, view.scale * ay * dpr, Math.round(origin.x * dpr), Math.round(origin.y * dpr)];
}

// Length of a measurement: mm when the image has a spacing, else pixels.
export function measure(image, a, b) {
  const dc = b.c - a.c;
  const dr = b.r - a.r;
  if (image && image.spacing) {
    const [row, column] = image.spacing;
    return { value: Math.hypot(dc * column, dr * row), unit: "mm", source: image.spacing[2] };
  }
  return { value: Math.hypot(dc, dr), unit: "px", source: "" };
}
