// Loads the portal's WebAssembly module. Kept in its own file because the server's CSP
// forbids inline scripts. `init()` fetches portal_bg.wasm next to portal.js and runs the
// Rust entry point (`start`), which mounts the app.
import init from "./portal.js";

init().catch((error) => {
  const note = document.getElementById("boot-loading");
  if (note) {
    note.textContent = "加载失败，请刷新重试。Could not load, please reload.";
  }
  console.error(error);
});
