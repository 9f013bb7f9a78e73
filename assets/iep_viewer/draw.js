// Drawing one viewport: stored words through a window LUT, the image at its zoom and pan,
// and length measurements on top.

import { canvasTransform, imageToClient, measure } from "./geometry.js";
import { applyLut, lutFor } from "./windowing.js";

const LINE = "#ffd400";

export class Painter {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.offscreen = document.createElement("canvas"); // the windowed frame, 1 pixel per pixel
    this.offCtx = this.offscreen.getContext("2d");
    this.pixels = null;
  }

  clear() {
    const { ctx, canvas } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }

  // A grey-scale frame windowed into the offscreen canvas: one LUT lookup per pixel.
  window(image, entry, voiWindow, invert) {
    const { rows, columns } = entry;
    if (this.offscreen.width !== columns || this.offscreen.height !== rows) {
      this.offscreen.width = columns;
      this.offscreen.height = rows;
      this.pixels = null;
    }
    if (!this.pixels) this.pixels = this.offCtx.createImageData(columns, rows);
    const lut = lutFor({ ...image.pipe, signed: entry.signed }, entry.wordBytes, voiWindow, invert);
    applyLut(entry.words, lut, new Uint32Array(this.pixels.data.buffer));
    this.offCtx.putImageData(this.pixels, 0, 0);
    return this.offscreen;
  }

  // The image where zoom and pan put it; interpolated unless enlarged 4 times or more,
  // where a reader wants to see the pixels themselves.
  draw(source, image, view, size, invertColour) {
    const { ctx } = this;
    const dpr = window.devicePixelRatio || 1;
    this.clear();
    ctx.setTransform(...canvasTransform(view, image, size, dpr));
    ctx.imageSmoothingEnabled = view.scale < 4;
    ctx.filter = invertColour ? "invert(1)" : "none";
    ctx.drawImage(source, 0, 0);
    ctx.filter = "none";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }

  // Lines with end marks and their length, in CSS pixels (after draw()).
  measurements(lines, image, view, size, formatLength) {
    const { ctx } = this;
    for (const { a, b } of lines) {
      const p = imageToClient(view, image, size, a.c, a.r);
      const q = imageToClient(view, image, size, b.c, b.r);
      ctx.lineWidth = 2;
      ctx.strokeStyle = LINE;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(q.x, q.y);
      ctx.stroke();
      for (const end of [p, q]) {
        ctx.beginPath();
        ctx.arc(end.x, end.y, 3, 0, 2 * Math.PI);
        ctx.stroke();
      }
      const text = formatLength(measure(image, a, b));
      ctx.font = "600 14px system-ui, sans-serif";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#000";
      ctx.strokeText(text, q.x + 8, q.y - 8);
      ctx.fillStyle = LINE;
      ctx.fillText(text, q.x + 8, q.y - 8);
    }
  }
}
