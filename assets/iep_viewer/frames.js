// Frames of one series: fetched over HTTP (never through Reflex state), nearest first,
// kept in a memory budget. Stored grey-scale words for browser windowing; lossless PNGs
// for colour images and for grey-scale images the server must window.

const SESSION_STATUSES = new Set([401, 403, 410]);
// Deflating a 512x512 slice costs the server ~7 ms and halves its bytes: worth it below
// ~25 MB/s (200 Mbit/s). The first raw frames measure the link; slower links then ask
// for gzip (?z=1). Localhost and fast local networks stay raw.
const COMPRESS_BELOW_BYTES_PER_MS = 25_000;
const SAMPLE_FRAMES = 4;
// Scrolling faster than frames arrive: fetching the next frames is useless (the person is
// past them when they land), so fetches aim where the scroll will be when they arrive.
const MOTION_MS = 250; // movements older than this do not count towards the speed
const SETTLE_MS = 160; // no movement for this long: stopped, fetch what is on screen
const SERVER_RADIUS = 1; // server-windowed frames depend on the window: prefetch few
const RETRY_MS = 3000;

export function flatten(manifest) {
  const images = [];
  for (const inst of manifest.instances) {
    const frames = Math.max(1, inst.frames || 1);
    const pipe = {
      bits: inst.bits_stored,
      signed: !!inst.signed,
      slope: inst.slope,
      intercept: inst.intercept,
      fn: inst.function || "LINEAR",
    };
    for (let frame = 0; frame < frames; frame++) {
      images.push({ ...inst, pipe, frame, frames, index: images.length });
    }
  }
  return images;
}

function fill(template, image) {
  return template.replace("{instance}", String(image.id)).replace("{frame}", String(image.frame));
}

function estimate(image) {
  const pixels = (image.rows || 512) * (image.columns || 512);
  return image.mode === "gray" ? pixels * (image.bits_stored > 8 ? 2 : 1) : pixels * 4;
}

export class FrameStore {
  // opts: {budgetBytes, concurrency, onFrame(index), onSessionEnded(), serverQuery(image)}
  constructor(manifest, opts) {
    this.urls = manifest.urls;
    this.images = flatten(manifest);
    this.opts = opts;
    this.entries = new Map();
    this.inflight = new Map();
    this.used = 0;
    this.focus = 0;
    this.direction = 1;
    this.closed = false;
    this.requests = 0;
    this.compress = false;
    this.samples = [];
    this.moves = []; // [time, index] of recent focus changes
    this.fetchMs = 50; // running estimate of one frame's fetch time
  }

  // Frames per millisecond the focus is moving at (0 when it has settled).
  speed() {
    const now = performance.now();
    this.moves = this.moves.filter(([time]) => now - time < MOTION_MS);
    if (this.moves.length < 2 || now - this.moves[this.moves.length - 1][0] > SETTLE_MS) return 0;
    const [t0, i0] = this.moves[0];
    const [t1, i1] = this.moves[this.moves.length - 1];
    return Math.abs(i1 - i0) / Math.max(t1 - t0, 1);
  }

  // Link speed from Resource Timing of the first raw frames: bytes over the time their
  // bodies were arriving (server time excluded, so a busy server does not look slow).
  sample(url, bytes) {
    if (this.samples.length >= SAMPLE_FRAMES) return;
    const entry = performance.getEntriesByName(new URL(url, location.href).href).pop();
    if (!entry || !entry.responseEnd) return;
    this.samples.push({ start: entry.responseStart, end: entry.responseEnd, bytes });
    if (this.samples.length < SAMPLE_FRAMES) return;
    const start = Math.min(...this.samples.map((s) => s.start));
    const end = Math.max(...this.samples.map((s) => s.end));
    const total = this.samples.reduce((sum, s) => sum + s.bytes, 0);
    this.compress = total / Math.max(end - start, 1) < COMPRESS_BELOW_BYTES_PER_MS;
  }

  close() {
    this.closed = true;
    clearTimeout(this.settleTimer);
    for (const job of this.inflight.values()) job.controller.abort();
    for (const entry of this.entries.values()) if (entry.bitmap) entry.bitmap.close();
    this.entries.clear();
    this.inflight.clear();
  }

  keyFor(image) {
    if (image.mode === "server") return "server?" + this.opts.serverQuery(image);
    return image.mode;
  }

  // The cached entry of a frame, if it is current (server-windowed frames: this window).
  get(index) {
    const image = this.images[index];
    const entry = this.entries.get(index);
    if (!image || !entry) return undefined;
    if (entry.type === "error") return entry;
    return entry.key === this.keyFor(image) ? entry : undefined;
  }

  setFocus(index, direction) {
    this.focus = index;
    if (direction) this.direction = direction > 0 ? 1 : -1;
    this.moves.push([performance.now(), index]);
    this.balance();
    this.pump();
    // Once the movement settles, the frame on screen comes first.
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.balance();
      this.pump();
    }, SETTLE_MS + 10);
  }

  // Free a request slot when a better frame waits: frames already scrolled past while
  // moving; while still, the farthest frame when the one on screen is missing.
  balance() {
    if (this.inflight.size < this.opts.concurrency) return;
    const moving = this.speed() > 0;
    const needed = !this.get(this.focus) && !this.inflight.has(this.focus);
    for (const [index, job] of [...this.inflight]) {
      const passed = (index - this.focus) * this.direction < -1;
      if (moving && passed) {
        job.controller.abort();
        this.inflight.delete(index);
      }
    }
    if (!moving && needed && this.inflight.size >= this.opts.concurrency) this.abortFarthest();
  }

  distance(index) {
    const d = (index - this.focus) * this.direction;
    return d >= 0 ? d : -2 * d; // behind the direction of travel counts double
  }

  abortFarthest() {
    let worst = null;
    for (const [index, job] of this.inflight) {
      if (worst === null || this.distance(index) > this.distance(worst[0])) worst = [index, job];
    }
    if (worst && this.distance(worst[0]) > 2) {
      worst[1].controller.abort();
      this.inflight.delete(worst[0]);
    }
  }

  wanted(index) {
    const image = this.images[index];
    if (!image || image.mode === "error" || this.inflight.has(index)) return false;
    const entry = this.entries.get(index);
    if (entry && entry.type === "error") return entry.retryAt && entry.retryAt < performance.now();
    if (image.mode === "server" && this.distance(index) > SERVER_RADIUS) return false;
    return !this.get(index);
  }

  // Nearest wanted frame: ahead of the travel direction first (from where the scroll will
  // be when it arrives), behind at half the reach.
  nextWanted() {
    const n = this.images.length;
    const lead = Math.min(Math.round(this.speed() * this.fetchMs), n);
    for (let d = 0; d < 2 * n; d++) {
      const ahead = this.focus + (lead + d) * this.direction;
      if (ahead >= 0 && ahead < n && this.wanted(ahead)) return ahead;
      if (d % 2 === 0 && d > 0) {
        const behind = this.focus - (d / 2) * this.direction;
        if (behind >= 0 && behind < n && this.wanted(behind)) return behind;
      }
    }
    return null;
  }

  makeRoom(bytes, forIndex) {
    const reserved = [...this.inflight.values()].reduce((sum, job) => sum + job.bytes, 0);
    while (this.used + reserved + bytes > this.opts.budgetBytes) {
      let worst = null;
      for (const index of this.entries.keys()) {
        if (worst === null || this.distance(index) > this.distance(worst)) worst = index;
      }
      if (worst === null || this.distance(worst) <= this.distance(forIndex)) return false;
      this.drop(worst);
    }
    return true;
  }

  drop(index) {
    const entry = this.entries.get(index);
    if (!entry) return;
    if (entry.bitmap) entry.bitmap.close();
    this.used -= entry.bytes || 0;
    this.entries.delete(index);
  }

  pump() {
    while (!this.closed && this.inflight.size < this.opts.concurrency) {
      const index = this.nextWanted();
      if (index === null) return;
      const bytes = estimate(this.images[index]);
      if (!this.makeRoom(bytes, index)) return;
      this.start(index, bytes);
    }
  }

  start(index, bytes) {
    const image = this.images[index];
    const controller = new AbortController();
    const key = this.keyFor(image);
    this.inflight.set(index, { controller, bytes, key });
    this.requests++;
    const started = performance.now();
    this.load(image, key, controller.signal)
      .then((entry) => {
        this.fetchMs = 0.7 * this.fetchMs + 0.3 * (performance.now() - started);
        if (this.closed || this.inflight.get(index)?.controller !== controller) return;
        this.drop(index);
        this.entries.set(index, entry);
        this.used += entry.bytes || 0;
      })
      .catch((error) => {
        if (this.closed || error.name === "AbortError") return;
        this.entries.set(index, { type: "error", key, retryAt: performance.now() + RETRY_MS, message: "" });
      })
      .finally(() => {
        if (this.inflight.get(index)?.controller === controller) this.inflight.delete(index);
        if (!this.closed) {
          this.opts.onFrame(index);
          this.pump();
        }
      });
  }

  async load(image, key, signal) {
    if (image.mode === "gray") return this.loadWords(image, key, signal);
    const query = image.mode === "server" ? "?" + this.opts.serverQuery(image) : "";
    const response = await this.fetchChecked(fill(this.urls.png, image) + query, signal);
    if (response.error) return response.error;
    const bitmap = await createImageBitmap(await response.blob());
    return { type: "bitmap", key, bitmap, bytes: bitmap.width * bitmap.height * 4 };
  }

  async loadWords(image, key, signal) {
    const compressed = this.compress;
    const url = fill(this.urls.words, image) + (compressed ? "?z=1" : "");
    const response = await this.fetchChecked(url, signal);
    if (response.error) {
      if (response.error.status === 422) {
        image.mode = "server"; // the browser cannot window this one: the server will
        return this.load(image, this.keyFor(image), signal);
      }
      return response.error;
    }
    const code = response.headers.get("X-Iep-Words") || "u2";
    const [rows, columns] = (response.headers.get("X-Iep-Shape") || "0,0").split(",").map(Number);
    const buffer = await response.arrayBuffer();
    if (!compressed) this.sample(url, buffer.byteLength);
    const wordBytes = code.endsWith("2") ? 2 : 1;
    const words = wordBytes === 2 ? new Uint16Array(buffer) : new Uint8Array(buffer);
    const signed = code.startsWith("i");
    return { type: "words", key, words, wordBytes, signed, rows, columns, bytes: buffer.byteLength };
  }

  async fetchChecked(url, signal) {
    const response = await fetch(url, { credentials: "same-origin", signal });
    if (response.ok) return response;
    if (SESSION_STATUSES.has(response.status)) this.opts.onSessionEnded();
    const message = response.status === 422 ? await response.text() : "";
    return { error: { type: "error", status: response.status, key: "", message } };
  }
}
