// The pointer tools of a viewport, as methods of ViewportController (controller.js):
// one-pointer drags with the chosen tool or the mouse's right (window) and middle (pan)
// buttons, and the length measurements they draw.

import { clientToImage, measure, zoomAbout } from "./geometry.js";
import { dragWindow } from "./windowing.js";

export const toolMethods = {
  beginGesture(tool, x, y) {
    const image = this.image;
    const gesture = { tool, x0: x, y0: y, x, y, view: { ...this.view }, index: this.index, scrolled: 0 };
    if (tool === "window" && image && image.mode !== "color") {
      const start = this.windowFor(image, this.store?.get(this.index)) || { center: 128, width: 256 };
      gesture.window = start;
    }
    if (tool === "measure" && image) {
      const a = clientToImage(this.view, image, this.size, x, y);
      this.live = { a, b: a };
    }
    return gesture;
  },

  moveGesture(gesture, x, y, scrollPx) {
    const dx = x - gesture.x0;
    const dy = y - gesture.y0;
    if (gesture.tool === "window" && gesture.window) {
      const next = dragWindow(gesture.window, dx, dy);
      this.windowChoice = { kind: "custom", index: 0, ...next };
      this.store?.pump();
      this.schedule();
    } else if (gesture.tool === "pan") {
      this.view = { ...gesture.view, panX: gesture.view.panX + dx, panY: gesture.view.panY + dy };
      this.fitted = false;
      this.schedule();
    } else if (gesture.tool === "zoom") {
      this.view = zoomAbout(gesture.view, this.image, this.size, Math.exp(-dy / 150), gesture.x0, gesture.y0);
      this.fitted = false;
      this.schedule();
    } else if (gesture.tool === "scroll") {
      const steps = Math.trunc(dy / scrollPx);
      if (steps !== gesture.scrolled) {
        this.go(gesture.index + steps);
        gesture.scrolled = steps;
      }
    } else if (gesture.tool === "measure" && this.live) {
      this.live = { ...this.live, b: clientToImage(this.view, this.image, this.size, x, y) };
      this.schedule();
    }
  },

  endGesture(gesture, x, y) {
    if (gesture.tool === "window" && gesture.window && (x !== gesture.x0 || y !== gesture.y0)) {
      this.cb.onWindow("custom");
    }
    if (gesture.tool === "measure" && this.live) {
      const { a, b } = this.live;
      this.live = null;
      if (Math.hypot(b.c - a.c, b.r - a.r) * this.view.scale >= 3) {
        const list = this.measurements.get(this.index) || [];
        this.measurements.set(this.index, [...list, { a, b }]);
        this.cb.onUi({ measured: this.countMeasurements(), lastLength: this.cb.formatLength(measure(this.image, a, b)) });
      }
      this.schedule();
    }
  },

  cancelGesture() {
    this.live = null;
    this.schedule();
  },

  countMeasurements() {
    let count = 0;
    for (const list of this.measurements.values()) count += list.length;
    return count;
  },

  clearMeasurements() {
    this.measurements.clear();
    this.cb.onUi({ measured: 0, lastLength: "" });
    this.schedule();
  },
};
