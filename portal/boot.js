// Loads the portal's WebAssembly module. Kept in its own file because the server's CSP
// forbids inline scripts. `init()` fetches portal_bg.wasm next to portal.js and runs the
// Rust entry point (`start`), which mounts the app.
//
// If the app stops on an error it cannot recover from (for example a page's code could not be
// downloaded on a bad connection), a note offers to reload instead of leaving a dead page.
import init from "./portal.js";

function offerReload() {
  if (document.getElementById("boot-failed")) {
    return;
  }
  const note = document.createElement("p");
  note.id = "boot-failed";
  note.className = "boot-failed";
  note.setAttribute("role", "alert");
  note.textContent = "出错了，请刷新页面。Something went wrong, please reload. ";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button primary";
  button.textContent = "刷新 Reload";
  button.addEventListener("click", () => location.reload());
  note.appendChild(button);
  document.body.prepend(note);
}

// A trap in the module (a Rust panic) surfaces as an uncaught WebAssembly.RuntimeError.
window.addEventListener("error", (event) => {
  if (event.error instanceof WebAssembly.RuntimeError) {
    offerReload();
  }
});
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason instanceof WebAssembly.RuntimeError) {
    offerReload();
  }
});

init().catch((error) => {
  const note = document.getElementById("boot-loading");
  if (note) {
    note.textContent = "加载失败，请刷新重试。Could not load, please reload.";
  }
  console.error(error);
});
