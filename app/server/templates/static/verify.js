// A photo or scan of an act's QR code, checked by the server (POST /api/v1/verify as an image).
document.getElementById("image").addEventListener("change", async (ev) => {
  const f = ev.target.files[0]; if (!f) return;
  const out = document.getElementById("image-result");
  const r = await fetch("/api/v1/verify", {method: "POST", headers: {"Content-Type": f.type || "image/png"}, body: f});
  const v = await r.json();
  out.className = "verdict " + (v.status || "invalid");
  out.textContent = (v.status || "invalid").toUpperCase() + " — " + (v.reason || "");
});
