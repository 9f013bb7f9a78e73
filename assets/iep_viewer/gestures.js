// Mouse, pen, touch, wheel and keyboard input of one viewport, turned into viewer actions.
// Listeners are registered here (not through React props) so that wheel and touch can be
// non-passive: the page must not scroll or zoom while a person works on the image.

const WHEEL_NOTCH = 50; // px of trackpad scrolling per image; a mouse notch is ~100
const DRAG_SCROLL_PX = { mouse: 6, pen: 6, touch: 10 };

function wheelPixels(event) {
  if (event.deltaMode === 1) return event.deltaY * 40;
  if (event.deltaMode === 2) return event.deltaY * 800;
  return event.deltaY;
}

// target: the canvas element; keys: the focusable root; viewer: the controller.
export function attachGestures(target, keys, viewer) {
  const pointers = new Map(); // pointerId -> {x, y}
  let gesture = null; // the one-pointer drag in progress
  let pinch = null;
  let wheelRest = 0;

  const local = (event) => {
    const rect = target.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  function onWheel(event) {
    event.preventDefault();
    const p = local(event);
    if (event.ctrlKey || event.metaKey) {
      viewer.zoomAt(Math.exp(-wheelPixels(event) * 0.002), p.x, p.y);
      return;
    }
    const pixels = wheelPixels(event);
    if (Math.abs(pixels) >= WHEEL_NOTCH) {
      wheelRest = 0;
      viewer.step(Math.sign(pixels));
      return;
    }
    wheelRest += pixels;
    while (Math.abs(wheelRest) >= WHEEL_NOTCH) {
      viewer.step(Math.sign(wheelRest));
      wheelRest -= Math.sign(wheelRest) * WHEEL_NOTCH;
    }
  }

  function toolFor(event) {
    if (event.pointerType === "mouse" && event.button === 2) return "window";
    if (event.pointerType === "mouse" && event.button === 1) return "pan";
    return viewer.tool;
  }

  function onPointerDown(event) {
    viewer.activate();
    keys.focus({ preventScroll: true });
    try {
      target.setPointerCapture(event.pointerId); // keep the drag when the pointer leaves
    } catch {
      // synthetic events have no capturable pointer; the drag still works inside
    }
    pointers.set(event.pointerId, local(event));
    if (pointers.size === 2) {
      if (gesture) viewer.cancelGesture(gesture);
      gesture = null;
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
      return;
    }
    if (pointers.size > 2) return;
    const p = local(event);
    gesture = viewer.beginGesture(toolFor(event), p.x, p.y);
    gesture.kind = event.pointerType || "mouse";
    event.preventDefault();
  }

  function onPointerMove(event) {
    if (!pointers.has(event.pointerId)) return;
    const p = local(event);
    pointers.set(event.pointerId, p);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      viewer.panBy(mid.x - pinch.mid.x, mid.y - pinch.mid.y);
      if (pinch.distance > 10) viewer.zoomAt(distance / pinch.distance, mid.x, mid.y);
      pinch = { distance, mid };
      return;
    }
    if (gesture) viewer.moveGesture(gesture, p.x, p.y, DRAG_SCROLL_PX[gesture.kind] || 8);
  }

  function onPointerUp(event) {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (pinch) {
      if (pointers.size < 2) pinch = null;
      return;
    }
    if (gesture) {
      const p = local(event);
      viewer.endGesture(gesture, p.x, p.y);
      gesture = null;
    }
  }

  function onKeyDown(event) {
    if (event.target !== keys && event.target !== target) return; // toolbar controls keep their keys
    const actions = {
      ArrowUp: () => viewer.step(-1),
      ArrowLeft: () => viewer.step(-1),
      ArrowDown: () => viewer.step(1),
      ArrowRight: () => viewer.step(1),
      PageUp: () => viewer.step(-10),
      PageDown: () => viewer.step(10),
      Home: () => viewer.go(0),
      End: () => viewer.go(Infinity),
      "+": () => viewer.zoomAt(1.25),
      "=": () => viewer.zoomAt(1.25),
      "-": () => viewer.zoomAt(0.8),
      f: () => viewer.fit(),
      "1": () => viewer.actualSize(),
      i: () => viewer.toggleInvert(),
      r: () => viewer.reset(),
      " ": () => viewer.togglePlay(),
    };
    const action = actions[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    action();
  }

  const listeners = [
    [target, "wheel", onWheel, { passive: false }],
    [target, "pointerdown", onPointerDown],
    [target, "pointermove", onPointerMove],
    [target, "pointerup", onPointerUp],
    [target, "pointercancel", onPointerUp],
    [target, "contextmenu", (event) => event.preventDefault()],
    [target, "dblclick", () => viewer.fit()],
    [keys, "keydown", onKeyDown],
  ];
  for (const [element, type, handler, options] of listeners) element.addEventListener(type, handler, options);
  return () => {
    for (const [element, type, handler] of listeners) element.removeEventListener(type, handler);
  };
}
