// The viewer's image viewport, a React component wrapped for Reflex by
// iep_app/components/viewer_viewport.py. It owns the canvas, the input handling and the
// frame fetching; its toolbar acts locally, and it tells Reflex only per-gesture facts.

import React, { useEffect, useRef, useState } from "react";
import {
  ChevronLeft, ChevronRight, Contrast, Eraser, Layers, Maximize, Move, Pause, Play,
  RotateCcw, Ruler, Scan, Search, SunMedium, ZoomIn, ZoomOut,
} from "lucide-react";
import { ViewportController } from "./controller.js";
import { attachGestures } from "./gestures.js";
import { VIEWER_CSS } from "./styles.js";

const TOOLS = [
  ["scroll", Layers, "Scroll"],
  ["window", SunMedium, "Window"],
  ["pan", Move, "Pan"],
  ["zoom", Search, "Zoom"],
  ["measure", Ruler, "Measure"],
];
const FPS = [5, 10, 15, 20, 25, 30];

function format(text, values) {
  return String(text).replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
}

function Button({ label, icon: Icon, pressed, onClick, disabled, testId, showLabel = true }) {
  return (
    <button type="button" className="iep-btn" aria-label={label} title={label} aria-pressed={pressed}
      onClick={onClick} disabled={disabled} data-testid={testId}>
      <Icon size={18} aria-hidden="true" />
      {showLabel ? <span className="iep-label">{label}</span> : null}
    </button>
  );
}

export function IepViewport(props) {
  const { src, preset, overlays, active, highlight, labels, viewport, testId } = props;
  const rootRef = useRef(null);
  const canvasRef = useRef(null);
  const areaRef = useRef(null);
  const layerRef = useRef(null);
  const liveRef = useRef(null);
  const ctlRef = useRef(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const [ui, setUi] = useState({ tool: "window", count: 0, index: 0, playing: false, fps: 10, invert: false,
    measured: 0, lastLength: "", loading: !!src, error: "", colour: false, ended: false });
  const t = (key, fallback, values) => format((labels && labels[key]) || fallback, values || {});

  useEffect(() => {
    const canvas = canvasRef.current;
    const call = (name, ...args) => {
      const handler = propsRef.current[name];
      if (handler) handler(propsRef.current.viewport ?? 0, ...args);
    };
    const ctl = new ViewportController(canvas, {
      onUi: (partial) => setUi((old) => ({ ...old, ...partial })),
      onPaint: (info) => paintOverlay(info),
      onImage: (id, frame) => call("onImage", id, frame),
      onWindow: (kind) => call("onWindow", kind),
      onActivate: () => { if (!propsRef.current.active) call("onActivate"); },
      onSessionEnded: () => {
        setUi((old) => ({ ...old, ended: true }));
        call("onSessionEnded");
      },
      formatLength: (m) => {
        const l = propsRef.current.labels || {};
        if (m.unit === "px") return `${m.value.toFixed(1)} ${l["viewer.pixels"] || "pixels"}`;
        const detector = m.source === "ImagerPixelSpacing" ? ` (${l["viewer.at_detector"] || "at detector"})` : "";
        return `${m.value.toFixed(1)} mm${detector}`;
      },
    });
    ctlRef.current = ctl;
    setUi((old) => ({ ...old, tool: ctl.tool }));
    rootRef.current.iep = ctl; // for tests and benchmarks: stats, pageOf(), index
    const detach = attachGestures(canvas, rootRef.current, ctl);
    const observer = new ResizeObserver(() => {
      const rect = areaRef.current.getBoundingClientRect();
      ctl.resize(rect.width, rect.height);
    });
    observer.observe(areaRef.current);
    return () => {
      observer.disconnect();
      detach();
      ctl.destroy();
    };
  }, []);

  useEffect(() => {
    rootRef.current.dataset.painted = "";
    ctlRef.current.open(src || "");
  }, [src]);

  useEffect(() => {
    if (preset && preset.kind) ctlRef.current.setWindowChoice(preset);
  }, [preset && preset.seq]);

  useEffect(() => {
    ctlRef.current.schedule();
  }, [labels, overlays]);

  function paintOverlay(info) {
    const layer = layerRef.current;
    const ctl = ctlRef.current;
    if (!layer || !ctl) return;
    const l = propsRef.current.labels || {};
    const tr = (key, fallback, values) => format(l[key] || fallback, values || {});
    const set = (name, text) => {
      const el = layer.querySelector(`[data-ov="${name}"]`);
      if (el && el.textContent !== text) el.textContent = text;
    };
    const image = info.image;
    const series = ctl.manifest ? ctl.manifest.series : {};
    const count = ctl.images.length;
    const position = tr("viewer.image_of", "Image {n} of {m}", { n: ctl.index + 1, m: count });
    const root = rootRef.current;
    root.dataset.index = String(ctl.index);
    root.dataset.series = series.key || "";
    let status = "";
    if (info.error) status = info.error.message || tr("viewer.image_error", "This image cannot be shown.");
    else if (image && !info.loaded && !ctl.paintedThisSeries) status = tr("viewer.loading", "Loading…");
    set("status", status);
    // The texts describe the image on the canvas: while the next one loads, the last one
    // stays, and so do its texts (the slider already shows where the person is going).
    if (image && !info.loaded && !info.error) return;
    set("tl", image ? [series.patient, series.studyDate].filter(Boolean).join("\n") : "");
    set("tr", image ? [series.description, series.modality].filter(Boolean).join("\n") : "");
    set("bl", image ? [position, image.lossy ? tr("viewer.lossy", "Lossy compressed original") : ""].filter(Boolean).join("\n") : "");
    const w = info.window;
    const wl = w ? tr("viewer.window_value", "W {width} L {center}", { width: +w.width.toFixed(1), center: +w.center.toFixed(1) }) : "";
    const zoom = info.loaded ? tr("viewer.zoom_value", "Zoom {value}%", { value: Math.round(info.scale * 100) }) : "";
    set("br", [wl, zoom].filter(Boolean).join("\n"));
    const letters = image && image.orientation ? image.orientation : ["", "", "", ""];
    ["el", "er", "et", "eb"].forEach((name, i) => set(name, letters[i]));
    root.dataset.painted = image ? String(ctl.index) : "";
    canvasRef.current.setAttribute("aria-label", `${series.description || ""} ${position}`.trim());
    clearTimeout(liveRef.timer);
    liveRef.timer = setTimeout(() => { if (liveRef.current) liveRef.current.textContent = position; }, 600);
  }

  const ctl = () => ctlRef.current;
  const count = ui.count;
  const presetHelp = t("viewer.keyboard_help",
    "Arrow keys: previous or next image. Page Up, Page Down: 10 images. + and -: zoom. F: fit. 1: actual size. I: invert. R: reset. Space: play.");
  const helpId = `iep-help-${viewport ?? 0}`;
  return (
    <div ref={rootRef} className="iep-vp" tabIndex={0} data-testid={testId} data-active={active && highlight ? "true" : "false"}
      role="group" aria-label={t("viewer.viewport", "Image viewer")} aria-describedby={helpId}>
      <style>{VIEWER_CSS}</style>
      <span id={helpId} className="iep-sr">{presetHelp}</span>
      <div className="iep-bar" role="toolbar" aria-label={t("viewer.tools", "Tools")}>
        <div className="iep-group">
          {TOOLS.map(([tool, Icon, fallback]) => (
            <Button key={tool} label={t(`viewer.tool.${tool}`, fallback)} icon={Icon} pressed={ui.tool === tool}
              onClick={() => ctl().setTool(tool)} testId={`tool-${tool}`} />
          ))}
        </div>
        <span className="iep-sep" />
        <div className="iep-group">
          <Button label={t("viewer.zoom_in", "Zoom in")} icon={ZoomIn} onClick={() => ctl().zoomAt(1.25)} testId="zoom-in" showLabel={false} />
          <Button label={t("viewer.zoom_out", "Zoom out")} icon={ZoomOut} onClick={() => ctl().zoomAt(0.8)} testId="zoom-out" showLabel={false} />
          <Button label={t("viewer.fit", "Fit")} icon={Maximize} onClick={() => ctl().fit()} testId="fit" />
          <Button label={t("viewer.actual_size", "1:1")} icon={Scan} onClick={() => ctl().actualSize()} testId="actual-size" />
          <Button label={t("viewer.invert", "Invert")} icon={Contrast} pressed={ui.invert} onClick={() => ctl().toggleInvert()} testId="invert" />
          <Button label={t("viewer.reset", "Reset")} icon={RotateCcw} onClick={() => ctl().reset()} testId="reset" />
          <Button label={t("viewer.clear_measurements", "Clear measurements")} icon={Eraser} disabled={!ui.measured}
            onClick={() => ctl().clearMeasurements()} testId="clear-measurements" showLabel={false} />
        </div>
      </div>
      <div ref={areaRef} className="iep-area">
        <canvas ref={canvasRef} role="img" data-testid="viewer-canvas" />
        <div ref={layerRef} className="iep-layer" data-hidden={overlays === false ? "true" : "false"} data-testid="overlays">
          <div className="iep-ov iep-tl" data-ov="tl" data-testid="overlay-patient" />
          <div className="iep-ov iep-tr" data-ov="tr" data-testid="overlay-series" />
          <div className="iep-ov iep-bl" data-ov="bl" data-testid="overlay-index" />
          <div className="iep-ov iep-br" data-ov="br" data-testid="overlay-window" />
          <div className="iep-ov iep-edge iep-el" data-ov="el" data-testid="orientation-left" />
          <div className="iep-ov iep-edge iep-er" data-ov="er" data-testid="orientation-right" />
          <div className="iep-ov iep-edge iep-et" data-ov="et" data-testid="orientation-top" />
          <div className="iep-ov iep-edge iep-eb" data-ov="eb" data-testid="orientation-bottom" />
          <div className="iep-status" data-ov="status" role="status" data-testid="viewer-status" />
        </div>
        {ui.ended ? <div className="iep-status" role="alert">{t("session.ended", "Your session has ended.")}</div> : null}
        {ui.error && !ui.ended ? <div className="iep-status" role="alert">{t("viewer.image_error", "This image cannot be shown.")}</div> : null}
        {!src ? <div className="iep-layer iep-empty">{t("viewer.no_series", "Choose a series to view.")}</div> : null}
      </div>
      <div className="iep-foot">
        <Button label={t("viewer.previous", "Previous image")} icon={ChevronLeft} onClick={() => ctl().step(-1)}
          disabled={ui.index <= 0} testId="previous" showLabel={false} />
        <input type="range" min={1} max={Math.max(count, 1)} value={ui.index + 1} disabled={count < 2}
          aria-label={t("viewer.image_slider", "Image")} data-testid="image-slider"
          aria-valuetext={t("viewer.image_of", "Image {n} of {m}", { n: ui.index + 1, m: count })}
          onChange={(e) => ctl().go(Number(e.target.value) - 1)} />
        <Button label={t("viewer.next", "Next image")} icon={ChevronRight} onClick={() => ctl().step(1)}
          disabled={ui.index >= count - 1} testId="next" showLabel={false} />
        <span className="iep-count" data-testid="image-count">{count ? `${ui.index + 1} / ${count}` : ""}</span>
        <Button label={ui.playing ? t("viewer.pause", "Pause") : t("viewer.play", "Play")} icon={ui.playing ? Pause : Play}
          pressed={ui.playing} disabled={count < 2} onClick={() => ctl().togglePlay()} testId="cine" showLabel={false} />
        <select className="iep-select" aria-label={t("viewer.fps", "Frames per second")} value={ui.fps} data-testid="fps"
          onChange={(e) => { const fps = Number(e.target.value); ctl().fps = fps; setUi((o) => ({ ...o, fps })); }}>
          {FPS.map((fps) => <option key={fps} value={fps}>{`${fps} fps`}</option>)}
        </select>
      </div>
      <span ref={liveRef} className="iep-sr" aria-live="polite" />
      <span className="iep-sr" aria-live="polite" data-testid="measurement">
        {ui.lastLength ? `${t("viewer.tool.measure", "Measure")}: ${ui.lastLength}` : ""}
      </span>
    </div>
  );
}
