// cusp report viewer: a small hand-written WebGL 1 viewer (no library, no network).
// Data: CUSP_VIEW = {meshes: [{name, visible, positions (base64 f32 LE), indices (base64 u32 LE),
//   layers: {name: base64 rgb}, teeth: [[fdi, x, y, z, buccal x, y, z]], occlusal: [x, y, z] | null,
//   lines: [[x0, y0, z0, x1, y1, z1]] (implant axes)}], layers: [name],
//   legends: {layer: {unit, min, max, colours: [[r, g, b]], low, high}}}
// Preset views are built from the numbered teeth (anterior from the incisors, right from quadrants 1 and 4).
(function () {
  "use strict";
  const status = (k, v) => { document.body.dataset[k] = v; };
  window.addEventListener("error", (e) => status("errors", (document.body.dataset.errors || "") + e.message + ";"));
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
  const canvas = document.getElementById("view");
  const gl = canvas.getContext("webgl", { preserveDrawingBuffer: true, antialias: true });
  if (!gl) { status("render", "no-webgl"); return; }
  gl.getExtension("OES_element_index_uint");
  const vs = `attribute vec3 p; attribute vec3 n; attribute vec3 c; uniform mat4 mvp; uniform mat4 mv;
    varying vec3 vn; varying vec3 vc; void main(){ gl_Position = mvp*vec4(p,1.0); vn = (mv*vec4(n,0.0)).xyz; vc = c; }`;
  const fs = `precision mediump float; varying vec3 vn; varying vec3 vc; void main(){
    vec3 l = normalize(vec3(0.3,0.5,1.0)); float d = abs(dot(normalize(vn), l));
    gl_FragColor = vec4(vc*(0.35+0.65*d), 1.0); }`;
  const sh = (t, s) => { const o = gl.createShader(t); gl.shaderSource(o, s); gl.compileShader(o);
    if (!gl.getShaderParameter(o, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(o)); return o; };
  const prog = gl.createProgram();
  gl.attachShader(prog, sh(gl.VERTEX_SHADER, vs)); gl.attachShader(prog, sh(gl.FRAGMENT_SHADER, fs));
  gl.linkProgram(prog); gl.useProgram(prog);
  const loc = { p: gl.getAttribLocation(prog, "p"), n: gl.getAttribLocation(prog, "n"), c: gl.getAttribLocation(prog, "c"),
    mvp: gl.getUniformLocation(prog, "mvp"), mv: gl.getUniformLocation(prog, "mv") };
  const meshes = CUSP_VIEW.meshes.map((m) => {
    const pos = new Float32Array(b64(m.positions)), idx = new Uint32Array(b64(m.indices));
    const nrm = new Float32Array(pos.length);
    for (let i = 0; i < idx.length; i += 3) {
      const a = idx[i] * 3, b = idx[i + 1] * 3, c = idx[i + 2] * 3;
      const ux = pos[b] - pos[a], uy = pos[b + 1] - pos[a + 1], uz = pos[b + 2] - pos[a + 2];
      const vx = pos[c] - pos[a], vy = pos[c + 1] - pos[a + 1], vz = pos[c + 2] - pos[a + 2];
      const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
      for (const k of [a, b, c]) { nrm[k] += nx; nrm[k + 1] += ny; nrm[k + 2] += nz; }
    }
    const buf = (data, target) => { const o = gl.createBuffer(); gl.bindBuffer(target, o); gl.bufferData(target, data, gl.STATIC_DRAW); return o; };
    const layers = {};
    for (const [name, data] of Object.entries(m.layers)) {
      const u8 = new Uint8Array(b64(data)); const f = new Float32Array(u8.length);
      for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
      layers[name] = buf(f, gl.ARRAY_BUFFER);
    }
    const grey = new Float32Array(pos.length).fill(0.78);
    const segs = new Float32Array((m.lines || []).flat());
    return { name: m.name, count: idx.length, p: buf(pos, gl.ARRAY_BUFFER), n: buf(nrm, gl.ARRAY_BUFFER),
      i: buf(idx, gl.ELEMENT_ARRAY_BUFFER), layers, grey: buf(grey, gl.ARRAY_BUFFER), visible: m.visible, pos,
      lines: segs.length ? { p: buf(segs, gl.ARRAY_BUFFER), n: buf(new Float32Array(segs.length).map((_, i) => (i % 3 === 2 ? 1 : 0)), gl.ARRAY_BUFFER),
        c: buf(new Float32Array(segs.length).map((_, i) => [0.15, 0.15, 0.8][i % 3]), gl.ARRAY_BUFFER), count: segs.length / 3 } : null };
  });
  // Bounding box of everything: the orbit centre and distance.
  let lo = [1e9, 1e9, 1e9], hi = [-1e9, -1e9, -1e9];
  for (const m of meshes) for (let i = 0; i < m.pos.length; i += 3) for (let k = 0; k < 3; k++) {
    lo[k] = Math.min(lo[k], m.pos[i + k]); hi[k] = Math.max(hi[k], m.pos[i + k]); }
  const home = [0, 1, 2].map((k) => (lo[k] + hi[k]) / 2);
  const radius = Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2 || 1;
  const V = {
    add: (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]], sub: (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]],
    mul: (a, s) => [a[0] * s, a[1] * s, a[2] * s], dot: (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2],
    cross: (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]],
    unit: (a) => { const n = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / n, a[1] / n, a[2] / n]; },
  };
  // The patient's frame from the numbered teeth: superior (toward the upper jaw), anterior, patient's right.
  const teeth = CUSP_VIEW.meshes.flatMap((m, i) => (m.teeth || []).map((t) => ({ fdi: t[0], p: [t[1], t[2], t[3]], buccal: [t[4], t[5], t[6]], mesh: i })));
  const mean = (ps) => ps.length ? V.mul(ps.reduce((a, b) => V.add(a, b), [0, 0, 0]), 1 / ps.length) : null;
  let sup = null;
  CUSP_VIEW.meshes.forEach((m) => { if (!sup && m.occlusal) sup = m.name.startsWith("upper") ? V.mul(m.occlusal, -1) : m.occlusal; });
  sup = V.unit(sup || [0, 0, 1]);
  const flat = (v) => V.sub(v, V.mul(sup, V.dot(v, sup)));
  const all = mean(teeth.map((t) => t.p));
  const inc = mean(teeth.filter((t) => t.fdi % 10 <= 2).map((t) => t.p));
  const rightSide = mean(teeth.filter((t) => [1, 4].includes(Math.floor(t.fdi / 10))).map((t) => t.p));
  const leftSide = mean(teeth.filter((t) => [2, 3].includes(Math.floor(t.fdi / 10))).map((t) => t.p));
  let ant = all && inc ? V.unit(flat(V.sub(inc, all))) : [0, 1, 0];
  let right = V.unit(V.cross(ant, sup));
  if (rightSide && leftSide && V.dot(V.sub(rightSide, leftSide), right) < 0) right = V.mul(right, -1);
  ant = V.unit(V.cross(sup, right));
  // Camera: an orthonormal basis (r, u, b; b from the centre toward the eye), a centre and a distance.
  let cam = { r: V.cross(sup, ant), u: sup, b: ant }, centre = home.slice(), dist = radius * 2.0, layer = CUSP_VIEW.layers[0];
  const presets = {
    "frontal": () => ({ b: ant, u: sup }),
    "right buccal": () => ({ b: right, u: sup }),
    "left buccal": () => ({ b: V.mul(right, -1), u: sup }),
    "upper occlusal": () => ({ b: V.mul(sup, -1), u: ant, only: "upper" }),
    "lower occlusal": () => ({ b: sup, u: ant, only: "lower" }),
  };
  const mul = (a, b) => { const o = new Float32Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) { let s = 0; for (let k = 0; k < 4; k++) s += a[k * 4 + j] * b[i * 4 + k]; o[i * 4 + j] = s; } return o; };
  const labelBox = document.getElementById("view-labels");
  const labels = teeth.map((t) => { const e = document.createElement("span"); e.textContent = String(t.fdi); labelBox.append(e); return { t, e }; });
  function draw() {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    gl.viewport(0, 0, w, h); gl.clearColor(0.97, 0.97, 0.98, 1); gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    const { r, u, b } = cam;
    const eye = V.add(centre, V.mul(b, dist));
    // Column-major view matrix: rows r, u, b; translation −R·eye.
    const mv = new Float32Array([r[0], u[0], b[0], 0, r[1], u[1], b[1], 0, r[2], u[2], b[2], 0,
      -V.dot(r, eye), -V.dot(u, eye), -V.dot(b, eye), 1]);
    const f = 1 / Math.tan(0.35), near = Math.max(dist - radius * 2, 1), far = dist + radius * 2;
    const pr = new Float32Array([f * h / w, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1, 0, 0, 2 * far * near / (near - far), 0]);
    const mvp = mul(pr, mv);
    gl.uniformMatrix4fv(loc.mvp, false, mvp); gl.uniformMatrix4fv(loc.mv, false, mv);
    for (const m of meshes) {
      if (!m.visible) continue;
      const bind = (bf, l) => { gl.bindBuffer(gl.ARRAY_BUFFER, bf); gl.enableVertexAttribArray(l); gl.vertexAttribPointer(l, 3, gl.FLOAT, false, 0, 0); };
      bind(m.p, loc.p); bind(m.n, loc.n); bind(m.layers[layer] || m.grey, loc.c);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, m.i); gl.drawElements(gl.TRIANGLES, m.count, gl.UNSIGNED_INT, 0);
      // Implant axes and other lines, drawn through the surface so they show inside the bone.
      if (m.lines) { gl.disable(gl.DEPTH_TEST); bind(m.lines.p, loc.p); bind(m.lines.n, loc.n); bind(m.lines.c, loc.c);
        gl.drawArrays(gl.LINES, 0, m.lines.count); gl.enable(gl.DEPTH_TEST); }
    }
    // Tooth numbers: projected anchors of the visible jaws.
    for (const { t, e } of labels) {
      const p = t.p, cw = mvp[3] * p[0] + mvp[7] * p[1] + mvp[11] * p[2] + mvp[15];
      const x = (mvp[0] * p[0] + mvp[4] * p[1] + mvp[8] * p[2] + mvp[12]) / cw;
      const y = (mvp[1] * p[0] + mvp[5] * p[1] + mvp[9] * p[2] + mvp[13]) / cw;
      // A number shows where its tooth's buccal or occlusal side faces the viewer (not through the arch).
      const occ = CUSP_VIEW.meshes[t.mesh].occlusal || [0, 0, 0];
      const facing = V.dot(t.buccal, cam.b) > 0.3 || V.dot(occ, cam.b) > 0.5;
      const show = meshes[t.mesh].visible && facing && cw > 0 && Math.abs(x) < 1 && Math.abs(y) < 1;
      e.style.display = show ? "" : "none";
      if (show) { e.style.left = ((x + 1) / 2 * w) + "px"; e.style.top = ((1 - y) / 2 * h) + "px"; }
    }
    legendFor(layer);
  }
  // The colour bar of the shown layer, with its unit.
  const legendBox = document.getElementById("view-legend");
  function legendFor(name) {
    const l = (CUSP_VIEW.legends || {})[name];
    if (!l) { legendBox.textContent = name === "segmentation" ? "segmentation: one colour per tooth, FDI numbers on the teeth; gingiva pink" : ""; return; }
    legendBox.innerHTML = "";
    const bar = document.createElement("span"); bar.className = "bar";
    for (const c of l.colours) { const i = document.createElement("i"); i.style.background = `rgb(${c[0]},${c[1]},${c[2]})`; bar.append(i); }
    const fmt = (x) => (x > 0 && l.min < 0 ? "+" : "") + Number(x.toFixed(2));
    const lo = document.createElement("span"); lo.textContent = `${fmt(l.min)} ${l.unit} (${l.low})`;
    const hi = document.createElement("span"); hi.textContent = `${fmt(l.max)} ${l.unit} (${l.high})`;
    legendBox.append(name + ":", lo, bar, hi);
  }
  // Controls: preset views, meshes on/off, colour layer; drag to turn, right/shift-drag to pan, wheel to zoom.
  const panel = document.getElementById("view-controls");
  const boxes = [];
  for (const [name, make] of Object.entries(presets)) {
    const bt = document.createElement("button"); bt.type = "button"; bt.textContent = name;
    bt.onclick = () => {
      const p = make(); cam = { b: p.b, u: p.u, r: V.cross(p.u, p.b) }; centre = home.slice(); dist = radius * 2.0;
      meshes.forEach((m, i) => { m.visible = p.only ? m.name === p.only : CUSP_VIEW.meshes[i].visible; boxes[i].checked = m.visible; });
      draw();
    };
    panel.append(bt);
  }
  panel.append(document.createElement("br"));
  for (const m of meshes) {
    const l = document.createElement("label"); const c = document.createElement("input");
    c.type = "checkbox"; c.checked = m.visible; c.onchange = () => { m.visible = c.checked; draw(); };
    boxes.push(c); l.append(c, " " + m.name); panel.append(l);
  }
  panel.append(document.createElement("br"));
  for (const name of CUSP_VIEW.layers) {
    const l = document.createElement("label"); const r = document.createElement("input");
    r.type = "radio"; r.name = "layer"; r.checked = name === layer; r.onchange = () => { layer = name; draw(); };
    l.append(r, " " + name); panel.append(l);
  }
  const rot = (v, axis, a) => { // Rodrigues
    const c = Math.cos(a), s = Math.sin(a);
    return V.add(V.add(V.mul(v, c), V.mul(V.cross(axis, v), s)), V.mul(axis, V.dot(axis, v) * (1 - c)));
  };
  const orbit = (dx, dy) => {
    let { r, u, b } = cam;
    [r, b] = [rot(r, u, -dx * 0.01), rot(b, u, -dx * 0.01)];
    [u, b] = [rot(u, r, -dy * 0.01), rot(b, r, -dy * 0.01)];
    cam = { r: V.unit(r), u: V.unit(u), b: V.unit(b) };
  };
  const pan = (dx, dy) => { const s = dist / canvas.clientHeight; centre = V.add(centre, V.add(V.mul(cam.r, -dx * s), V.mul(cam.u, dy * s))); };
  let drag = null;
  canvas.addEventListener("contextmenu", (e) => e.preventDefault());
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, pan: e.button === 2 || e.shiftKey }; });
  window.addEventListener("mouseup", () => { drag = null; });
  window.addEventListener("mousemove", (e) => { if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y; drag.x = e.clientX; drag.y = e.clientY;
    if (drag.pan) pan(dx, dy); else orbit(dx, dy); draw(); });
  canvas.addEventListener("wheel", (e) => { e.preventDefault(); dist *= Math.exp(e.deltaY * 0.001); draw(); }, { passive: false });
  // Touch: one finger turns, two pan and pinch.
  let touch = null;
  const touchState = (ts) => ts.length === 1 ? { x: ts[0].clientX, y: ts[0].clientY, n: 1 }
    : { x: (ts[0].clientX + ts[1].clientX) / 2, y: (ts[0].clientY + ts[1].clientY) / 2, n: 2,
      d: Math.hypot(ts[0].clientX - ts[1].clientX, ts[0].clientY - ts[1].clientY) };
  canvas.addEventListener("touchstart", (e) => { e.preventDefault(); touch = touchState(e.touches); }, { passive: false });
  canvas.addEventListener("touchmove", (e) => { e.preventDefault(); if (!touch) return;
    const t = touchState(e.touches);
    if (t.n !== touch.n) { touch = t; return; }
    if (t.n === 1) orbit(t.x - touch.x, t.y - touch.y);
    else { pan(t.x - touch.x, t.y - touch.y); if (touch.d > 0 && t.d > 0) dist *= touch.d / t.d; }
    touch = t; draw(); }, { passive: false });
  canvas.addEventListener("touchend", () => { touch = null; });
  window.addEventListener("resize", draw);
  draw();
  // Self-check for automated tests: how many pixels differ from the background, and how many tooth numbers show.
  const w = canvas.width, h = canvas.height, px = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
  let lit = 0; for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - 247) + Math.abs(px[i + 1] - 247) + Math.abs(px[i + 2] - 250) > 12) lit++;
  status("toothLabels", String(labels.filter((l) => l.e.style.display !== "none").length));
  status("legend", legendBox.textContent ? "ok" : "none");
  status("render", "ok"); status("litPixels", String(lit));
})();
