/* 践诺 big screen: turn the pages in place every data-every seconds and reload the figures
   from data-json every data-refresh seconds, without reloading the page. Plain ES5 for TV
   browsers; text is set with textContent only. */
(function () {
  "use strict";
  var main = document.getElementById("screen");
  if (!main) { return; }
  var every = parseInt(main.getAttribute("data-every"), 10) || 15;
  var refresh = parseInt(main.getAttribute("data-refresh"), 10) || 60;
  var size = parseInt(main.getAttribute("data-size"), 10) || 12;
  var current = parseInt(main.getAttribute("data-current"), 10) || 0;
  var box = document.getElementById("sc-pages");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function pages() { return box.querySelectorAll(".sc-page"); }

  function show(n) {
    var all = pages();
    if (!all.length) { return; }
    current = ((n % all.length) + all.length) % all.length;
    for (var i = 0; i < all.length; i++) { all[i].hidden = i !== current; }
    document.getElementById("sc-pageno").textContent = "第 " + (current + 1) + "/" + all.length + " 页";
  }

  function card(r, township) {
    var li = el("li", "sc-card sc-" + r.state);
    li.setAttribute("data-code", r.code || "");
    var avatar;
    if (r.photo) {
      avatar = el("img", "sc-avatar");
      avatar.src = r.photo;
      avatar.alt = r.name;
    } else {
      avatar = el("span", "sc-avatar", r.initial);
    }
    li.appendChild(avatar);
    var body = el("div", "sc-body");
    var head = el("div", "sc-head");
    head.appendChild(el("b", "sc-name", r.name));
    var flags = el("span", "sc-flags");
    for (var i = 0; i < r.flags; i++) {
      var f = el("i", "redflag");
      f.title = "已兑现";
      flags.appendChild(f);
    }
    head.appendChild(flags);
    body.appendChild(head);
    body.appendChild(el("div", "sc-sub", (township ? r.branch + " · " : "") + r.subtitle));
    var bar = el("div", "sc-bar bar-" + r.bar);
    var fill = el("span");
    fill.style.width = r.percent + "%";
    bar.appendChild(fill);
    body.appendChild(bar);
    var meta = el("div", "sc-meta");
    meta.appendChild(el("span", "sc-state", r.state_label));
    if (r.commitments) { meta.appendChild(el("span", "sc-pct", r.percent + "%")); }
    meta.appendChild(el("span", "sc-logs", "本月践诺 " + r.month_logs + " 次"));
    body.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  function flagList(id, names, label, cls) {
    var p = document.getElementById(id);
    while (p.firstChild) { p.removeChild(p.firstChild); }
    if (!names.length) { p.textContent = "暂无"; return; }
    for (var i = 0; i < names.length; i++) {
      if (i) { p.appendChild(document.createElement("br")); }
      p.appendChild(el("span", "flag " + cls, label));
      p.appendChild(document.createTextNode(names[i]));
    }
  }

  function render(data) {
    var frag = document.createDocumentFragment();
    var n = Math.max(1, Math.ceil(data.rows.length / size));
    for (var p = 0; p < n; p++) {
      var ul = el("ul", "sc-page");
      ul.setAttribute("data-page", p);
      var rows = data.rows.slice(p * size, (p + 1) * size);
      if (!rows.length) { ul.appendChild(el("li", "sc-empty", "还没有党员")); }
      for (var i = 0; i < rows.length; i++) { ul.appendChild(card(rows[i], data.township)); }
      frag.appendChild(ul);
    }
    while (box.firstChild) { box.removeChild(box.firstChild); }
    box.appendChild(frag);
    show(current);
    document.getElementById("sc-month").textContent = data.month;
    flagList("sc-red", data.red, "红旗", "flag-red");
    flagList("sc-yellow", data.yellow, "黄旗", "flag-yellow");
    document.getElementById("sc-received").textContent = data.received;
    var dl = document.getElementById("sc-rates");
    while (dl.firstChild) { dl.removeChild(dl.firstChild); }
    for (var k = 0; k < data.rates.length; k++) {
      var d = el("div");
      d.appendChild(el("dt", null, data.rates[k].label));
      d.appendChild(el("dd", null, data.rates[k].value));
      dl.appendChild(d);
    }
    var latest = document.getElementById("sc-latest");
    while (latest.firstChild) { latest.removeChild(latest.firstChild); }
    if (!data.latest.length) { latest.appendChild(el("li", null, "暂无")); }
    for (var j = 0; j < data.latest.length; j++) {
      var x = data.latest[j];
      var li = el("li");
      li.appendChild(el("b", null, x.name));
      li.appendChild(document.createTextNode(" " + x.title + " " + x.what));
      li.appendChild(el("small", null, x.day));
      latest.appendChild(li);
    }
    document.getElementById("sc-updated").textContent = data.updated;
    main.setAttribute("data-loaded", data.updated);
  }

  function load() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", main.getAttribute("data-json"), true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status === 200) {
        try { render(JSON.parse(xhr.responseText)); } catch (e) { /* keep the last page */ }
      }
    };
    xhr.send();
  }

  show(current);
  setInterval(function () { show(current + 1); }, every * 1000);
  setInterval(load, refresh * 1000);
})();
