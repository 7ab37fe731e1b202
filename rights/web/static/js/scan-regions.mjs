// A scan's page on the redaction review page: drawing a box on it fills in "Add a region".
//
// Progressive enhancement: without this script the officer types the page and the region's edges in per
// cent. With it, pressing the mouse on the page and dragging draws the box; letting go writes its edges
// (per cent of the page, one decimal place, rounded outwards so the box never shrinks) into the form.

const svg = document.getElementById("scan-svg");
const form = document.getElementById("add-region-form");
const MIN_SIDE = 0.005; // rights.redaction.scans.MIN_SIDE: a smaller box is a slip of the mouse (the server refuses it)

if (svg && form) {
  const field = (name) => form.querySelector(`#region-${name}`);
  const status = document.getElementById("region-status");
  const page = document.getElementById("scan-figure").dataset.page;
  const box = svg.viewBox.baseVal;
  const NS = "http://www.w3.org/2000/svg";
  let start = null;
  let drawing = null;

  // The pointer's place as a fraction of the page (0 to 1), clamped to the page.
  const at = (event) => {
    const r = svg.getBoundingClientRect();
    const clamp = (v) => Math.min(1, Math.max(0, v));
    return { x: clamp((event.clientX - r.left) / r.width), y: clamp((event.clientY - r.top) / r.height) };
  };

  const edges = (a, b) => ({
    left: Math.min(a.x, b.x), top: Math.min(a.y, b.y),
    width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y),
  });

  const show = (e) => {
    drawing.setAttribute("x", e.left * box.width);
    drawing.setAttribute("y", e.top * box.height);
    drawing.setAttribute("width", e.width * box.width);
    drawing.setAttribute("height", e.height * box.height);
  };

  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    svg.setPointerCapture(event.pointerId);
    start = at(event);
    drawing?.remove();
    drawing = document.createElementNS(NS, "rect");
    drawing.setAttribute("class", "app-scan__drawing");
    svg.append(drawing);
    show(edges(start, start));
  });

  svg.addEventListener("pointermove", (event) => {
    if (start) show(edges(start, at(event)));
  });

  svg.addEventListener("pointerup", (event) => {
    if (!start) return;
    const e = edges(start, at(event));
    start = null;
    show(e);
    if (e.width < MIN_SIDE || e.height < MIN_SIDE) {
      status.textContent = "That box is too small: drag across the words to remove.";
      return;
    }
    const down = (v) => (Math.floor(v * 1000) / 10).toFixed(1);
    const up = (v) => (Math.ceil(v * 1000) / 10).toFixed(1);
    const left = down(e.left);
    const top = down(e.top);
    field("page").value = page;
    field("left").value = left;
    field("top").value = top;
    field("width").value = Math.min(100 - left, Number(up(e.left + e.width)) - left).toFixed(1);
    field("height").value = Math.min(100 - top, Number(up(e.top + e.height)) - top).toFixed(1);
    status.textContent = `Box drawn on page ${page}. Choose an exemption code under Add a region and add it.`;
  });
}
