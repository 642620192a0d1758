// Posts a form with fetch() and shows the server's progress lines as they arrive (one JSON object
// per line: {"stage", "label", "done", "total"}, then {"ok": true, "url"} or {"ok": false, "error"}).
(function () {
  function show(box, line) {
    var bar = box.querySelector("progress"), label = box.querySelector(".progress-label"), log = box.querySelector("ol");
    if (line.stage) {
      if (line.total > 0) { bar.max = line.total; bar.value = line.done; } else { bar.removeAttribute("value"); }
      label.textContent = line.label + (line.total > 0 ? "：" + line.done + " / " + line.total : "");
      var last = log.lastElementChild;
      if (!last || last.dataset.stage !== line.stage) {
        last = document.createElement("li"); last.dataset.stage = line.stage; log.appendChild(last);
      }
      last.textContent = line.label + (line.total > 0 ? "（" + line.done + " / " + line.total + "）" : "");
    }
  }
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById(form.dataset.progress), error = box.querySelector(".progress-error");
      var started = Date.now();
      box.hidden = false; error.textContent = ""; box.querySelector("ol").innerHTML = "";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var timer = setInterval(function () {
        box.querySelector(".elapsed").textContent = "已用 " + ((Date.now() - started) / 1000).toFixed(1) + " 秒";
      }, 200);
      function finish() { clearInterval(timer); form.querySelectorAll("button").forEach(function (b) { b.disabled = false; }); }
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"}).then(function (response) {
        var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) { finish(); return; }
            buffer += decoder.decode(chunk.value, {stream: true});
            var lines = buffer.split("\n"); buffer = lines.pop();
            lines.forEach(function (text) {
              if (!text) return;
              var line = JSON.parse(text);
              if (line.ok === true) {
                box.dataset.done = "true";
                box.querySelector(".progress-label").textContent = "完成，正在打开……";
                setTimeout(function () { window.location.assign(line.url); }, 700);
              }
              else if (line.ok === false) { error.textContent = line.error; box.dataset.failed = "true"; }
              else { show(box, line); }
            });
            return pump();
          });
        }
        if (!response.ok) { finish(); error.textContent = "请求失败（HTTP " + response.status + "）"; return; }
        return pump();
      }).catch(function (e) { finish(); error.textContent = "网络错误：" + e; });
    });
  });
})();
