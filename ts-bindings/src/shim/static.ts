// Plain HTTP on the shim's port: static files (the playground) from one directory, and
// a 426 for the Wisp path. Paths are resolved twice (as text, then through realpath)
// so neither `..` nor a symlink leads out of the root.

import type * as http from "node:http";
import * as fs from "node:fs";
import * as path from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".pem": "application/x-pem-file",
  ".woff2": "font/woff2",
};

/** Answers one plain HTTP request. `root` is absolute (or undefined: no static files). */
export function serveHttp(req: http.IncomingMessage, res: http.ServerResponse, wispPath: string, root: string | undefined): void {
  const send = (status: number, text: string) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
    res.end(text + "\n");
  };
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    return send(400, "bad request");
  }
  if (pathname.startsWith(wispPath) || pathname === wispPath.slice(0, -1)) {
    return send(426, "this is a Wisp endpoint: connect with a WebSocket");
  }
  if (!root) return send(404, "not found");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return send(405, "method not allowed");
  }
  if (pathname.includes("\0")) return send(400, "bad request");
  let file = path.resolve(root, "." + pathname);
  if (file !== root && !file.startsWith(root + path.sep)) return send(403, "forbidden");
  fs.stat(file, (err, st) => {
    if (!err && st.isDirectory()) file = path.join(file, "index.html");
    fs.realpath(file, (err2, real) => {
      if (err2) return send(404, "not found");
      fs.realpath(root, (err3, realRoot) => {
        if (err3 || (real !== realRoot && !real.startsWith(realRoot + path.sep))) return send(403, "forbidden");
        fs.stat(real, (err4, st2) => {
          if (err4 || !st2.isFile()) return send(404, "not found");
          res.writeHead(200, {
            "content-type": MIME[path.extname(real).toLowerCase()] ?? "application/octet-stream",
            "content-length": st2.size,
            "x-content-type-options": "nosniff",
            "cache-control": "no-cache",
          });
          if (req.method === "HEAD") return res.end();
          const stream = fs.createReadStream(real);
          stream.on("error", () => res.destroy());
          stream.pipe(res);
        });
      });
    });
  });
}
