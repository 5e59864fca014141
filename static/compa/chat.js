/* Compañero live chat client, shared by the widget frame and the companion app.
 * Messages carry a client id: unacknowledged ones are re-sent after a reconnect and the server
 * stores each once. The browser remembers its conversation; a reconnect asks only for the
 * messages after the last one it showed. Text is always inserted as text, never as HTML.
 * Every word it shows comes from the page (#chat-words), in the page's language. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var words = JSON.parse(document.getElementById("chat-words").textContent);
  // What went wrong, by the error frame's code: the server's own text is written for developers.
  var problems = { rate_limited: words.too_fast, bad_message: words.bad_message, bad_email: words.bad_email, reply_failed: words.reply_failed };
  var store = "compa:" + config.store + ":";
  // Third-party frames may be refused storage (Safari, Brave, strict Chrome): keep going in memory,
  // and let the embedding page keep the token for us. It hands it back only by postMessage from one
  // of the widget's allowed sites — never through the URL, which anyone can craft and send a victim.
  var memory = {};
  var storage = {
    get: function (k) { try { return localStorage.getItem(k); } catch (e) { return memory[k] || null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (e) { memory[k] = v; } }
  };
  var embedded = window.parent !== window;
  var parentOrigin = (location.ancestorOrigins && location.ancestorOrigins[0]) || (document.referrer ? new URL(document.referrer).origin : null);
  if (!embedded || (config.origins || []).indexOf(parentOrigin) === -1) parentOrigin = null;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("chat-typing");
  var statusLine = document.getElementById("chat-status");
  var state = {
    token: storage.get(store + "token") || config.token,
    conversation: storage.get(store + "conversation"),
    lastId: null,
    pending: JSON.parse(storage.get(store + "pending") || "[]"),
    shown: {}, streams: {}, socket: null, ready: false, backoff: 500, identifying: false
  };

  function save() {
    if (state.token) storage.set(store + "token", state.token);
    if (state.conversation) storage.set(store + "conversation", state.conversation);
    storage.set(store + "pending", JSON.stringify(state.pending));
    if (parentOrigin) {
      window.parent.postMessage({ compa: config.store, type: "keep", token: state.token, conversation: state.conversation }, parentOrigin);
    }
  }

  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  // "Source: %(title)s" with {title: "Guide"} is "Source: Guide".
  function fill(word, values) {
    return word.replace(/%\((\w+)\)s/g, function (whole, name) { return name in values ? String(values[name]) : whole; });
  }

  function bubble(author, text, id) {
    var item = document.createElement("li");
    item.className = author;
    if (id) item.dataset.id = id;
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    scroll();
    return item;
  }

  function citations(item, list) {
    if (!list || !list.length) return;
    var box = document.createElement("ul");
    box.className = "citations";
    list.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = fill(c.page ? words.source_page : words.source, { title: c.title, page: c.page });
      box.appendChild(li);
    });
    item.appendChild(box);
  }

  function show(message) {
    if (state.shown[message.id]) return;
    state.shown[message.id] = true;
    var item;
    if (message.client_id) item = log.querySelector('li[data-client="' + message.client_id + '"]');
    if (!item && message.in_reply_to && state.streams[message.in_reply_to]) item = state.streams[message.in_reply_to];
    if (item) {
      item.classList.remove("pending");
      item.querySelector(".text").textContent = message.text;
      item.dataset.id = message.id;
      delete state.streams[message.in_reply_to];
    } else {
      item = bubble(message.author, message.text, message.id);
      if (message.author === "human" && message.author_name) {
        var who = document.createElement("span");
        who.className = "who";
        who.textContent = message.author_name;
        item.insertBefore(who, item.firstChild);
      }
    }
    citations(item, message.citations);
    if (message.author !== "user") typing.hidden = true;
    state.lastId = message.id;
    save();
    scroll();
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(frame));
  }

  function handle(frame) {
    switch (frame.type) {
      case "ready":
        state.token = frame.token;
        if (frame.conversation) state.conversation = frame.conversation;
        state.ready = true;
        state.backoff = 500;
        statusLine.textContent = frame.handler === "human" ? words.with_person : "";
        save();
        break;
      case "history":
        if (!log.children.length && !frame.messages.length && config.greeting) bubble("ai", config.greeting);
        frame.messages.forEach(show);
        state.pending.forEach(function (p) { send({ type: "message", text: p.text, client_id: p.client_id }); });
        break;
      case "ack":
        state.conversation = frame.conversation;
        state.pending = state.pending.filter(function (p) { return p.client_id !== frame.client_id; });
        show(frame.message);
        break;
      case "typing":
        typing.hidden = !frame.on;
        break;
      case "token":
        var stream = state.streams[frame.reply_to];
        if (!stream) { stream = state.streams[frame.reply_to] = bubble("ai", ""); stream.classList.add("streaming"); }
        stream.querySelector(".text").textContent += frame.text;
        typing.hidden = true;
        scroll();
        break;
      case "message":
        show(frame.message);
        break;
      case "handler":
        show(frame.message);
        statusLine.textContent = frame.handler === "human" ? words.with_person : "";
        break;
      case "identify_sent":
        state.identifying = false;
        statusLine.textContent = fill(words.link_sent, { email: frame.email });
        break;
      case "error":
        // A refusal right after asking for a link is about the link, not about writing too fast.
        var problem = state.identifying && frame.code === "rate_limited" ? words.too_many_links : problems[frame.code];
        if (frame.code === "rate_limited" || frame.code === "bad_email") state.identifying = false;
        statusLine.textContent = problem || words.went_wrong;
        if (frame.code === "rate_limited" && frame.retry_after) setTimeout(function () { statusLine.textContent = ""; }, frame.retry_after * 1000);
        break;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + config.socket);
    state.socket = socket;
    socket.onopen = function () {
      send({ type: "hello", token: state.token, conversation: state.conversation, after: state.lastId });
    };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function (event) {
      state.ready = false;
      if (event.code === 4404 || event.code === 4403) { statusLine.textContent = event.code === 4403 ? words.signed_out : words.unavailable; return; }
      statusLine.textContent = words.reconnecting;
      setTimeout(connect, state.backoff);
      state.backoff = Math.min(state.backoff * 2, 15000);
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    var message = { text: text, client_id: newId() };
    state.pending.push(message);
    save();
    var item = bubble("user", text);
    item.classList.add("pending");
    item.dataset.client = message.client_id;
    input.value = "";
    typing.hidden = false;
    if (state.ready) send({ type: "message", text: text, client_id: message.client_id });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  var identify = document.getElementById("chat-identify");
  if (identify) identify.addEventListener("submit", function (event) {
    event.preventDefault();
    state.identifying = true;
    // The sign-in email is written in the language of this page.
    send({ type: "identify", email: document.getElementById("chat-email").value, language: document.documentElement.lang });
  });

  // Nothing kept in this frame: ask the embedding site (an allowed origin) what it kept for us.
  function handedBack(event) {
    var data = event.data;
    if (event.source !== window.parent || event.origin !== parentOrigin || !data || data.compa !== config.store || data.type !== "kept") return;
    window.removeEventListener("message", handedBack);
    clearTimeout(waiting);
    if (typeof data.token === "string" && data.token) state.token = data.token;
    if (typeof data.conversation === "string" && data.conversation) state.conversation = data.conversation;
    connect();
  }
  var waiting = null;
  if (parentOrigin && !storage.get(store + "token")) {
    window.addEventListener("message", handedBack);
    waiting = setTimeout(function () { window.removeEventListener("message", handedBack); connect(); }, 1000);
    window.parent.postMessage({ compa: config.store, type: "ask" }, parentOrigin);
  } else {
    connect();
  }
})();
