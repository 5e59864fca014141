/* Compañero chat widget: a bubble that opens the coach in an iframe served by the coach's own host. */
(function () {
  var cfg = {{ config|safe }};
  if (window.__compaWidget) return;
  window.__compaWidget = true;
  if (cfg.origins.indexOf(window.location.origin) === -1) {
    console.warn("Compañero: " + window.location.origin + " is not one of this chat widget's allowed sites. Add it in your hub (Widget).");
    return;
  }
  var side = cfg.position === "left" ? "left" : "right";
  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", cfg.title);
  button.setAttribute("data-compa", "bubble");
  button.textContent = cfg.avatar || "💬";
  button.style.cssText = "position:fixed;bottom:20px;" + side + ":20px;width:60px;height:60px;border-radius:50%;border:0;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25);font-size:28px;cursor:pointer;z-index:2147483000;background:" + cfg.color + ";color:" + cfg.textColor;
  var frame = null, keep = "compa:" + cfg.key + ":", frameOrigin = new URL(cfg.frame).origin;
  function kept(name) { try { return localStorage.getItem(keep + name) || ""; } catch (e) { return ""; } }
  // This site keeps the visitor's token and conversation: the frame may be refused storage of its own.
  // Only our own frame, from the coach's host, is answered; the token never travels in a URL.
  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== frameOrigin || !event.data || event.data.compa !== cfg.key) return;
    if (event.data.type === "ask") {
      frame.contentWindow.postMessage({ compa: cfg.key, type: "kept", token: kept("token"), conversation: kept("conversation") }, frameOrigin);
      return;
    }
    try {
      if (event.data.token) localStorage.setItem(keep + "token", event.data.token);
      if (event.data.conversation) localStorage.setItem(keep + "conversation", event.data.conversation);
    } catch (e) { /* storage refused here too: the chat still works, it just starts fresh next time */ }
  });
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = cfg.frame;
      frame.title = cfg.title;
      frame.setAttribute("data-compa", "chat");
      frame.style.cssText = "position:fixed;bottom:92px;" + side + ":20px;width:370px;max-width:calc(100vw - 40px);height:560px;" +
        "max-height:calc(100vh - 120px);border:0;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483000;background:#fff";
      document.body.appendChild(frame);
    } else {
      frame.style.display = frame.style.display === "none" ? "block" : "none";
    }
  });
  document.body.appendChild(button);
})();
