// cusp report viewer: a small hand-written WebGL 1 viewer (no library, no network).
// Data: CUSP_VIEW = {meshes: [{name, positions (base64 f32 LE), indices (base64 u32 LE), layers: {name: base64 rgb}}]}
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
    return { name: m.name, count: idx.length, p: buf(pos, gl.ARRAY_BUFFER), n: buf(nrm, gl.ARRAY_BUFFER),
      i: buf(idx, gl.ELEMENT_ARRAY_BUFFER), layers, grey: buf(grey, gl.ARRAY_BUFFER), visible: m.visible, pos };
  });
  // Bounding box of everything: the orbit centre and distance.
  let lo = [1e9, 1e9, 1e9], hi = [-1e9, -1e9, -1e9];
  for (const m of meshes) for (let i = 0; i < m.pos.length; i += 3) for (let k = 0; k < 3; k++) {
    lo[k] = Math.min(lo[k], m.pos[i + k]); hi[k] = Math.max(hi[k], m.pos[i + k]); }
  const centre = [0, 1, 2].map((k) => (lo[k] + hi[k]) / 2);
  const radius = Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2 || 1;
  let yaw = 0.0, pitch = -1.1, dist = radius * 2.6, layer = CUSP_VIEW.layers[0];
  const mul = (a, b) => { const o = new Float32Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) { let s = 0; for (let k = 0; k < 4; k++) s += a[k * 4 + j] * b[i * 4 + k]; o[i * 4 + j] = s; } return o; };
  function draw() {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    gl.viewport(0, 0, w, h); gl.clearColor(0.97, 0.97, 0.98, 1); gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
    // View = translate(0,0,-dist) · rotX(pitch) · rotZ(yaw) · translate(-centre).
    const rz = new Float32Array([cy, sy, 0, 0, -sy, cy, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const rx = new Float32Array([1, 0, 0, 0, 0, cp, sp, 0, 0, -sp, cp, 0, 0, 0, 0, 1]);
    const tc = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -centre[0], -centre[1], -centre[2], 1]);
    const td = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -dist, 1]);
    const mv = mul(td, mul(rx, mul(rz, tc)));
    const f = 1 / Math.tan(0.35), near = Math.max(dist - radius * 2, 1), far = dist + radius * 2;
    const pr = new Float32Array([f * h / w, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1, 0, 0, 2 * far * near / (near - far), 0]);
    gl.uniformMatrix4fv(loc.mvp, false, mul(pr, mv)); gl.uniformMatrix4fv(loc.mv, false, mv);
    for (const m of meshes) {
      if (!m.visible) continue;
      const bind = (b, l) => { gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.enableVertexAttribArray(l); gl.vertexAttribPointer(l, 3, gl.FLOAT, false, 0, 0); };
      bind(m.p, loc.p); bind(m.n, loc.n); bind(m.layers[layer] || m.grey, loc.c);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, m.i); gl.drawElements(gl.TRIANGLES, m.count, gl.UNSIGNED_INT, 0);
    }
  }
  // Controls: meshes on/off, colour layer, drag to turn, wheel to zoom.
  const panel = document.getElementById("view-controls");
  for (const m of meshes) {
    const l = document.createElement("label"); const c = document.createElement("input");
    c.type = "checkbox"; c.checked = m.visible; c.onchange = () => { m.visible = c.checked; draw(); };
    l.append(c, " " + m.name); panel.append(l);
  }
  panel.append(document.createElement("br"));
  for (const name of CUSP_VIEW.layers) {
    const l = document.createElement("label"); const r = document.createElement("input");
    r.type = "radio"; r.name = "layer"; r.checked = name === layer; r.onchange = () => { layer = name; draw(); };
    l.append(r, " " + name); panel.append(l);
  }
  let drag = null;
  canvas.addEventListener("mousedown", (e) => { drag = [e.clientX, e.clientY]; });
  window.addEventListener("mouseup", () => { drag = null; });
  window.addEventListener("mousemove", (e) => { if (!drag) return;
    yaw += (e.clientX - drag[0]) * 0.01; pitch += (e.clientY - drag[1]) * 0.01; drag = [e.clientX, e.clientY]; draw(); });
  canvas.addEventListener("wheel", (e) => { e.preventDefault(); dist *= Math.exp(e.deltaY * 0.001); draw(); }, { passive: false });
  window.addEventListener("resize", draw);
  draw();
  // Self-check for automated tests: how many pixels differ from the background.
  const w = canvas.width, h = canvas.height, px = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
  let lit = 0; for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - 247) + Math.abs(px[i + 1] - 247) + Math.abs(px[i + 2] - 250) > 12) lit++;
  status("render", "ok"); status("litPixels", String(lit));
})();
