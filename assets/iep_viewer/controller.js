// One viewport's behaviour: current image, window, zoom and pan, measurements, cine.
// Everything that happens per wheel notch or per pointer move stays here, in the
// browser; Reflex hears only per-gesture facts (image settled, window dragged, focus).

import { Painter } from "./draw.js";
import { FrameStore } from "./frames.js";
import { fitScale, imageToClient, zoomAbout } from "./geometry.js";
import { toolMethods } from "./tools.js";
import { rangeWindow } from "./windowing.js";

const REPORT_DELAY_MS = 250;
const MB = 1024 * 1024;

// Phones get a smaller frame cache: a whole 300-slice CT is 150 MB of words.
function budgetBytes() {
  const memory = navigator.deviceMemory || 4;
  const small = Math.min(window.screen?.width || 1024, window.screen?.height || 1024) < 600;
  return (small || memory <= 2 ? 96 : memory <= 4 ? 256 : 384) * MB;
}

export class ViewportController {
  constructor(canvas, callbacks) {
    this.canvas = canvas;
    this.painter = new Painter(canvas);
    this.cb = callbacks; // onPaint(info), onUi(partial), onImage(id, frame), onWindow(kind), onActivate(), onSessionEnded()
    this.size = { width: 1, height: 1 };
    this.store = null;
    this.images = [];
    this.index = 0;
    this.view = { scale: 1, panX: 0, panY: 0 };
    this.fitted = true;
    this.windowChoice = { kind: "default", index: 0 };
    this.invert = false;
    this.tool = matchMedia("(pointer: coarse)").matches ? "scroll" : "window";
    this.measurements = new Map();
    this.autoWindows = new Map();
    this.playing = false;
    this.fps = 10;
    this.stats = { painted: 0, lastPaintAt: 0, lastIndex: -1, firstPaintAt: 0 };
    this.paintedThisSeries = 0;
    this.generation = 0;
    this.raf = 0;
    this.live = null; // a measurement being drawn
  }

  destroy() {
    this.stop();
    if (this.store) this.store.close();
    cancelAnimationFrame(this.raf);
    clearTimeout(this.reportTimer);
  }

  get image() {
    return this.images[this.index];
  }

  async open(src) {
    const generation = ++this.generation;
    this.stop();
    if (this.store) this.store.close();
    this.store = null;
    this.images = [];
    this.measurements.clear();
    this.autoWindows.clear();
    this.index = 0;
    this.windowChoice = { kind: "default", index: 0 };
    this.invert = false;
    this.fitted = true;
    this.paintedThisSeries = 0;
    this.cb.onUi({ count: 0, index: 0, loading: true, error: "" });
    if (!src) return this.paint();
    let manifest;
    try {
      const response = await fetch(src, { credentials: "same-origin" });
      if (generation !== this.generation) return;
      if (!response.ok) {
        if ([401, 403, 410].includes(response.status)) this.cb.onSessionEnded();
        throw new Error(`manifest: HTTP ${response.status}`);
      }
      manifest = await response.json();
    } catch (error) {
      if (generation === this.generation) this.cb.onUi({ loading: false, error: String(error) });
      return;
    }
    if (generation !== this.generation) return;
    this.manifest = manifest;
    this.store = new FrameStore(manifest, {
      budgetBytes: budgetBytes(),
      concurrency: 4,
      onFrame: (index) => this.frameArrived(index),
      onSessionEnded: () => this.cb.onSessionEnded(),
      serverQuery: (image) => this.serverQuery(image),
    });
    this.images = this.store.images;
    this.cb.onUi({ count: this.images.length, index: 0, loading: false, colour: this.images[0]?.mode === "color" });
    this.fit();
    this.store.setFocus(0, 1);
    this.reportImage();
  }

  frameArrived(index) {
    if (index === this.index) this.schedule();
  }

  // ---- navigation
  go(index) {
    if (!this.images.length) return;
    const target = Math.max(0, Math.min(this.images.length - 1, Math.round(index === Infinity ? this.images.length : index)));
    if (target === this.index) return;
    const direction = target > this.index ? 1 : -1;
    const before = this.image;
    this.index = target;
    this.store.setFocus(target, direction);
    if (this.fitted && before && (before.rows !== this.image.rows || before.columns !== this.image.columns)) this.fit();
    this.schedule();
    this.cb.onUi({ index: target });
    this.reportImage();
  }

  step(delta) {
    this.go(this.index + delta);
  }

  reportImage() {
    clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => {
      const image = this.image;
      if (image) this.cb.onImage(image.id, image.frame);
    }, REPORT_DELAY_MS);
  }

  // ---- window / level
  setWindowChoice(choice) {
    this.windowChoice = { ...choice };
    this.schedule();
  }

  windowFor(image, entry) {
    const choice = this.windowChoice;
    if (choice.kind === "fixed" || choice.kind === "custom") return { center: choice.center, width: choice.width };
    const windows = image.windows || [];
    if (choice.kind === "file" && windows.length) {
      const [center, width] = windows[Math.min(choice.index, windows.length - 1)];
      return { center, width };
    }
    if (choice.kind === "default" && windows.length) return { center: windows[0][0], width: windows[0][1] };
    if (entry && entry.type === "words") {
      let auto = this.autoWindows.get(image.index);
      if (!auto) {
        auto = rangeWindow(entry.words, { ...image.pipe, signed: entry.signed }, entry.wordBytes);
        this.autoWindows.set(image.index, auto);
      }
      return auto;
    }
    return null; // server default: the file's VOI LUT or the value range
  }

  serverQuery(image) {
    const chosen = this.windowChoice.kind === "default" ? null : this.windowFor(image, null);
    const parts = chosen ? [`wc=${chosen.center}`, `ww=${chosen.width}`] : [];
    if (this.invert) parts.push("invert=1");
    return parts.join("&");
  }

  toggleInvert() {
    this.invert = !this.invert;
    this.cb.onUi({ invert: this.invert });
    this.store?.pump();
    this.schedule();
  }

  // ---- zoom and pan
  fit() {
    const image = this.image;
    this.view = { scale: image ? fitScale(image, this.size.width, this.size.height) : 1, panX: 0, panY: 0 };
    this.fitted = true;
    this.schedule();
  }

  actualSize() {
    this.view = { scale: 1, panX: 0, panY: 0 };
    this.fitted = false;
    this.schedule();
  }

  zoomAt(factor, x = this.size.width / 2, y = this.size.height / 2) {
    if (!this.image) return;
    this.view = zoomAbout(this.view, this.image, this.size, factor, x, y);
    this.fitted = false;
    this.schedule();
  }

  panBy(dx, dy) {
    this.view = { ...this.view, panX: this.view.panX + dx, panY: this.view.panY + dy };
    this.fitted = false;
    this.schedule();
  }

  resize(width, height) {
    const dpr = window.devicePixelRatio || 1;
    this.size = { width, height };
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    if (this.fitted) this.fit();
    else this.schedule();
  }

  reset() {
    this.invert = false;
    this.windowChoice = { kind: "default", index: 0 };
    this.cb.onUi({ invert: false });
    this.cb.onWindow("default");
    this.store?.pump();
    this.fit();
  }

  setTool(tool) {
    this.tool = tool;
    this.cb.onUi({ tool });
  }

  activate() {
    this.cb.onActivate();
  }

  // ---- cine
  play(fps) {
    this.fps = fps || this.fps;
    if (this.playing || this.images.length < 2) return;
    this.playing = true;
    this.cb.onUi({ playing: true });
    let last = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      if (now - last >= 1000 / this.fps) {
        const next = (this.index + 1) % this.images.length;
        if (this.store.get(next)) {
          last = now;
          if (next === 0) this.store.setFocus(0, 1);
          this.go(next);
        } else {
          this.store.setFocus(this.index, 1);
        }
      }
      this.cineFrame = requestAnimationFrame(tick);
    };
    this.cineFrame = requestAnimationFrame(tick);
  }

  stop() {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.cineFrame);
    this.cb.onUi({ playing: false });
  }

  togglePlay() {
    if (this.playing) this.stop();
    else this.play();
  }

  // ---- painting
  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(() => this.paint());
  }

  paint() {
    this.raf = 0;
    const image = this.image;
    const entry = image && this.store ? this.store.get(this.index) : undefined;
    if (!image || !entry || entry.type === "error") {
      // Keep the last image on screen while the next one loads: no black flashes.
      const error = entry?.type === "error" ? entry : null;
      this.cb.onPaint({ image, loaded: false, error });
      if (!image || error) this.painter.clear();
      return;
    }
    const voiWindow = image.mode === "color" ? null : this.windowFor(image, entry);
    const invert = image.invert !== this.invert; // MONOCHROME1 and the person's choice
    const source = entry.type === "words" ? this.painter.window(image, entry, voiWindow, invert) : entry.bitmap;
    this.painter.draw(source, image, this.view, this.size, this.invert && image.mode === "color");
    const lines = [...(this.measurements.get(this.index) || [])];
    if (this.live) lines.push(this.live);
    this.painter.measurements(lines, image, this.view, this.size, this.cb.formatLength);
    const stats = this.stats;
    stats.painted++;
    stats.lastPaintAt = performance.now();
    if (!stats.firstPaintAt) stats.firstPaintAt = stats.lastPaintAt;
    stats.lastIndex = this.index;
    this.paintedThisSeries++;
    this.cb.onPaint({ image, loaded: true, window: voiWindow, scale: this.view.scale });
  }

  // ---- for tests and benchmarks: where an image pixel is on the page
  pageOf(c, r) {
    const rect = this.canvas.getBoundingClientRect();
    const p = imageToClient(this.view, this.image, this.size, c, r);
    return { x: rect.left + p.x, y: rect.top + p.y };
  }
}

// The pointer tools (window, pan, zoom, scroll, measure) live in tools.js.
Object.assign(ViewportController.prototype, toolMethods);
