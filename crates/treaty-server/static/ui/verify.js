// Treaty's decision log, checked again in the browser: each entry's
// inclusion proof (RFC 9162 2.1.3.2) against the root of the signed
// checkpoint the page shows, with WebCrypto's SHA-256 and RFC 6962's
// hashing (0x00 before a leaf, 0x01 before two children). The page is
// complete without this script: the broker verified every proof already.
"use strict";
(function () {
  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function join(prefix, parts) {
    var n = 1;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    out[0] = prefix;
    var at = 1;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function sha256(data) {
    return crypto.subtle.digest("SHA-256", data).then(function (d) { return new Uint8Array(d); });
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }
  // RFC 9162 2.1.3.2, with fn and sn as numbers (indexes stay far below 2^53).
  async function verify(index, size, leaf, proof, root) {
    if (index >= size) return false;
    var fn = index, sn = size - 1;
    var r = await sha256(join(0, [leaf]));
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(join(1, [p, r]));
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await sha256(join(1, [r, p]));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }
  async function run() {
    var head = document.getElementById("log-checkpoint");
    if (!head || !window.crypto || !crypto.subtle) return;
    var size = Number(head.dataset.size), root = bytes(head.dataset.root);
    var entries = document.querySelectorAll("li.entry");
    var ok = 0, bad = 0;
    for (var i = 0; i < entries.length; i++) {
      var e = entries[i], out = e.querySelector(".browser");
      var proof = e.dataset.proof ? e.dataset.proof.split(" ").map(bytes) : [];
      var good = false;
      try {
        good = await verify(Number(e.dataset.index), size, bytes(e.dataset.leaf), proof, root);
      } catch (err) {
        good = false;
      }
      if (good) ok++; else bad++;
      out.textContent = good ? "✓ verified in your browser" : "✗ does not verify in your browser";
      out.className = "browser status " + (good ? "ok" : "blocked");
    }
    var summary = document.getElementById("browser-summary");
    if (summary) {
      summary.hidden = false;
      summary.textContent = bad === 0
        ? "Your browser verified all " + ok + " proofs on this page against the checkpoint's root."
        : bad + " of " + (ok + bad) + " proofs on this page do not verify in your browser.";
    }
  }
  run();
})();
