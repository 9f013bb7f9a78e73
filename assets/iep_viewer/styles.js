// The viewport's own styles; colours come from the page's Radix theme variables.
export const VIEWER_CSS = `
.iep-vp { display: flex; flex-direction: column; flex: 1; min-height: 0; container-type: inline-size;
  border: 2px solid var(--gray-6); border-radius: 6px; overflow: hidden; background: var(--gray-2); }
.iep-vp[data-active="true"] { border-color: var(--accent-9); }
.iep-vp:focus-visible, .iep-vp button:focus-visible, .iep-vp select:focus-visible, .iep-vp input:focus-visible {
  outline: 3px solid var(--accent-9); outline-offset: 2px; }
.iep-vp:focus-visible { outline-offset: -3px; }
.iep-bar { display: flex; flex-wrap: wrap; gap: 4px; padding: 4px; align-items: center; background: var(--gray-3); }
.iep-group { display: flex; gap: 2px; align-items: center; }
.iep-sep { width: 1px; align-self: stretch; background: var(--gray-6); margin: 0 2px; }
.iep-btn { display: inline-flex; align-items: center; gap: 4px; min-height: 36px; min-width: 36px; padding: 4px 8px;
  border: 1px solid var(--gray-7); border-radius: 6px; background: var(--color-panel-solid, #fff); color: var(--gray-12);
  font: inherit; font-size: 13px; cursor: pointer; justify-content: center; }
.iep-btn:hover { background: var(--gray-4); }
.iep-btn[aria-pressed="true"] { background: var(--accent-9); border-color: var(--accent-9); color: var(--accent-contrast, #fff); }
.iep-btn:disabled { opacity: 0.45; cursor: default; }
.iep-select { min-height: 36px; border: 1px solid var(--gray-7); border-radius: 6px; padding: 0 6px;
  background: var(--color-panel-solid, #fff); color: var(--gray-12); font-size: 13px; }
@container (max-width: 640px) { .iep-label { display: none; } .iep-btn { padding: 4px 6px; } }
.iep-area { position: relative; flex: 1; min-height: 200px; background: #000; overflow: hidden; }
.iep-area canvas { position: absolute; inset: 0; width: 100%; height: 100%; touch-action: none; cursor: crosshair; display: block; }
.iep-layer { position: absolute; inset: 0; pointer-events: none; color: #fff; font: 13px/1.35 system-ui, sans-serif;
  text-shadow: 0 0 3px #000, 0 0 2px #000; }
.iep-layer[data-hidden="true"] .iep-ov { display: none; }
.iep-ov { position: absolute; white-space: pre; max-width: 40%; overflow: hidden; text-overflow: ellipsis; }
.iep-tl { top: 6px; left: 8px; } .iep-tr { top: 6px; right: 8px; text-align: right; }
.iep-bl { bottom: 6px; left: 8px; } .iep-br { bottom: 6px; right: 8px; text-align: right; }
.iep-edge { max-width: none; font-weight: 700; font-size: 15px; color: #ffd400; }
.iep-el { left: 6px; top: 50%; transform: translateY(-50%); } .iep-er { right: 6px; top: 50%; transform: translateY(-50%); }
.iep-et { top: 6px; left: 50%; transform: translateX(-50%); } .iep-eb { bottom: 6px; left: 50%; transform: translateX(-50%); }
.iep-status { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); padding: 6px 10px;
  background: rgba(0,0,0,0.7); border-radius: 6px; color: #fff; font: 14px system-ui, sans-serif; text-align: center; max-width: 80%; }
.iep-status:empty { display: none; }
.iep-foot { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 4px 6px; background: var(--gray-3); }
.iep-foot input[type=range] { flex: 1; min-width: 120px; height: 28px; accent-color: var(--accent-9); }
.iep-count { font-variant-numeric: tabular-nums; font-size: 13px; min-width: 5.5em; text-align: center; color: var(--gray-12); }
.iep-sr { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0,0,0,0); border: 0; }
.iep-empty { color: var(--gray-11); display: flex; align-items: center; justify-content: center; height: 100%; }
`;
