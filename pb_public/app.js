// fenxiao H5 storefront: a small hash-routed page over the shop API.
// Everything about money is computed by the server; this page only shows it.
"use strict";

const view = document.getElementById("view");
const store = {
  get token() { return localStorage.getItem("fx_token") || ""; },
  set token(v) { v ? localStorage.setItem("fx_token", v) : localStorage.removeItem("fx_token"); },
};

// an invite code in the URL (?inviter=CODE&source=qr) is kept until sign-up or binding
(function keepInviter() {
  const q = new URLSearchParams(location.search);
  if (q.get("inviter")) {
    localStorage.setItem("fx_inviter", q.get("inviter"));
    localStorage.setItem("fx_inviter_source", q.get("source") || "link");
  }
})();

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function yuan(fen) {
  const n = Number(fen || 0);
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  return sign + "¥" + Math.floor(a / 100) + "." + String(a % 100).padStart(2, "0");
}

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (store.token) headers.Authorization = store.token;
  const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const first = data && data.data && Object.values(data.data)[0];
    const err = new Error((first && first.message) || data.message || res.statusText);
    err.code = first && first.code;
    err.status = res.status;
    throw err;
  }
  return data;
}

function fail(e) {
  view.innerHTML = `<p class="error">${esc(e.message)}</p>`;
}

// ---------------------------------------------------------------- pages

async function home(params) {
  const q = params.get("q") || "";
  const sort = params.get("sort") || (q ? "relevance" : "sales");
  const data = await api("GET", `/api/shop/products/search?q=${encodeURIComponent(q)}&sort=${sort}&perPage=40`);
  view.innerHTML = `
    <form class="search" id="search">
      <input name="q" placeholder="搜索商品，如 茶叶、杯" value="${esc(q)}">
      <select name="sort">
        ${["relevance:综合", "sales:销量", "price_asc:价格↑", "price_desc:价格↓", "newest:新品"].map((o) => {
          const [v, l] = o.split(":");
          return `<option value="${v}" ${v === sort ? "selected" : ""}>${l}</option>`;
        }).join("")}
      </select>
      <button>搜索</button>
    </form>
    <p class="muted">共 ${data.totalItems} 件商品</p>
    <div class="grid" id="products">
      ${data.items.map((p) => `
        <div class="card product" data-id="${esc(p.id)}">
          <a href="#/p/${esc(p.id)}">
            <div>${esc(p.title)}</div>
            <div class="muted">${esc(p.subtitle)}</div>
            <div class="price">${yuan(p.min_price)}${p.max_price > p.min_price ? " 起" : ""}</div>
            <div class="muted">已售 ${p.sales}${p.stock_state && p.stock_state !== "in_stock" ? " · " + esc(p.stock_state) : ""}</div>
          </a>
        </div>`).join("")}
    </div>`;
  document.getElementById("search").onsubmit = (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    location.hash = `#/?q=${encodeURIComponent(f.get("q"))}&sort=${f.get("sort")}`;
  };
}

async function product(id) {
  const p = await api("GET", `/api/collections/products/records/${encodeURIComponent(id)}`);
  const skus = await api("GET", `/api/collections/skus/records?filter=${encodeURIComponent(`product='${id.replace(/'/g, "")}'`)}&perPage=100`);
  view.innerHTML = `
    <div class="card">
      <h2>${esc(p.title)}</h2>
      <p class="muted">${esc(p.subtitle)}</p>
      ${(skus.items || []).map((s) => `
        <div class="row">
          <span>${esc(s.spec_text || "默认")} <span class="muted">库存 ${s.stock}</span></span>
          <span class="price">${yuan(s.price)}</span>
          <button data-sku="${esc(s.id)}" ${s.stock > 0 ? "" : "disabled"}>加入购物车</button>
        </div>`).join("")}
      <p id="msg" class="muted"></p>
    </div>`;
  view.querySelectorAll("button[data-sku]").forEach((b) => {
    b.onclick = async () => {
      if (!store.token) { location.hash = "#/me"; return; }
      try {
        await api("POST", "/api/shop/cart/items", { sku: b.dataset.sku, quantity: 1 });
        document.getElementById("msg").textContent = "已加入购物车";
      } catch (e) { document.getElementById("msg").textContent = e.message; }
    };
  });
}

async function cart() {
  if (!store.token) { location.hash = "#/me"; return; }
  const addresses = await api("GET", "/api/collections/addresses/records?perPage=20");
  const address = (addresses.items || [])[0];
  const c = await api("GET", "/api/shop/cart" + (address ? `?address=${address.id}` : ""));
  view.innerHTML = `
    <div class="card">
      ${c.lines.map((l) => `
        <div class="row">
          <span>${esc(l.title)} <span class="muted">${esc(l.spec_text)} × ${l.quantity}</span>
            ${l.status && l.status !== "ok" ? `<span class="tag">${esc(l.status)}</span>` : ""}</span>
          <span class="price">${yuan(l.paid ?? l.amount)}</span>
        </div>`).join("") || "<p>购物车是空的</p>"}
      ${(c.applied || []).map((a) => `<p class="muted"><span class="tag">${esc(a.label)}</span>${esc(a.explanation)}</p>`).join("")}
      <div class="row"><span>商品</span><span>${yuan(c.goods)}</span></div>
      <div class="row"><span>优惠</span><span>-${yuan(c.discount)}</span></div>
      <div class="row"><span>运费</span><span>${yuan(c.shipping)}</span></div>
      <div class="row"><b>合计</b><b class="price">${yuan(c.total)}</b></div>
    </div>
    ${address ? `<p class="muted">收货地址：${esc(address.name)} ${esc(address.province)}${esc(address.city)}${esc(address.detail)}</p>
      <button id="checkout">提交订单</button>` : addressForm()}
    <p id="msg"></p>`;
  const btn = document.getElementById("checkout");
  if (btn) btn.onclick = async () => {
    try {
      const order = await api("POST", "/api/shop/checkout", { address: address.id });
      location.hash = `#/o/${order.id || (order.order && order.order.id)}`;
    } catch (e) { document.getElementById("msg").innerHTML = `<span class="error">${esc(e.message)}</span>`; }
  };
  bindAddressForm();
}

function addressForm() {
  return `<form class="stack card" id="address">
    <b>新增收货地址</b>
    <input name="name" placeholder="收货人" required>
    <input name="phone" placeholder="手机号" required>
    <input name="province" placeholder="省份，如 浙江" required>
    <input name="city" placeholder="城市">
    <input name="detail" placeholder="详细地址" required>
    <button>保存</button></form>`;
}

function bindAddressForm() {
  const f = document.getElementById("address");
  if (!f) return;
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const body = Object.fromEntries(new FormData(f));
    body.user = JSON.parse(localStorage.getItem("fx_user") || "{}").id;
    body.is_default = true;
    try { await api("POST", "/api/collections/addresses/records", body); route(); } catch (e) { alert(e.message); }
  };
}

async function order(id) {
  const o = await api("GET", `/api/collections/orders/records/${encodeURIComponent(id)}`);
  view.innerHTML = `
    <div class="card">
      <h3>订单 ${esc(o.order_no)}</h3>
      <div class="row"><span>状态</span><span id="status">${esc(o.status)}</span></div>
      <div class="row"><span>应付</span><span class="price">${yuan(o.payable)}</span></div>
      ${o.status === "pending_payment" ? `<button id="pay">支付（沙箱）</button>` : ""}
      <p id="msg"></p>
    </div>`;
  const pay = document.getElementById("pay");
  if (pay) pay.onclick = async () => {
    try { await api("POST", `/api/shop/orders/${o.id}/pay`, { method: "sandbox" }); route(); }
    catch (e) { document.getElementById("msg").innerHTML = `<span class="error">${esc(e.message)}</span>`; }
  };
}

async function orders() {
  if (!store.token) { location.hash = "#/me"; return; }
  const list = await api("GET", "/api/collections/orders/records?sort=-created&perPage=50");
  view.innerHTML = `<div class="card">${(list.items || []).map((o) => `
    <div class="row"><a href="#/o/${esc(o.id)}">${esc(o.order_no)}</a><span>${esc(o.status)}</span>
    <span class="price">${yuan(o.payable)}</span></div>`).join("") || "暂无订单"}</div>`;
}

async function me() {
  if (!store.token) {
    view.innerHTML = `<form class="stack card" id="login">
      <b>登录</b>
      <input name="identity" placeholder="邮箱，如 liuyang@fenxiao.demo" required>
      <input name="password" type="password" placeholder="密码" required>
      <button>登录</button>
      <p class="muted">演示账号密码：demo123456</p>
      <p id="msg"></p></form>`;
    document.getElementById("login").onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const res = await api("POST", "/api/collections/users/auth-with-password", Object.fromEntries(new FormData(ev.target)));
        store.token = res.token;
        localStorage.setItem("fx_user", JSON.stringify(res.record));
        const inviter = localStorage.getItem("fx_inviter");
        if (inviter) {
          api("POST", "/api/shop/referral/bind", { code: inviter, source: localStorage.getItem("fx_inviter_source") || "link" }).catch(() => {});
          localStorage.removeItem("fx_inviter");
        }
        route();
      } catch (e) { document.getElementById("msg").innerHTML = `<span class="error">${esc(e.message)}</span>`; }
    };
    return;
  }
  const ref = await api("GET", "/api/shop/referral/me");
  let summary = null;
  try { summary = await api("GET", "/api/shop/distribution/summary"); } catch (e) { /* not a distributor, or plugin off */ }
  const link = `${location.origin}/?inviter=${encodeURIComponent(ref.invite_code)}&source=link`;
  view.innerHTML = `
    <div class="card">
      <h3>我的邀请码 <span id="invite-code">${esc(ref.invite_code)}</span></h3>
      <p class="muted">推广链接：${esc(link)}</p>
      <p>我的推荐人：${ref.upline ? esc(ref.upline.nickname || ref.upline.invite_code) : "无"}</p>
    </div>
    ${summary ? `<div class="card"><h3>分销中心</h3><pre>${esc(JSON.stringify(summary, null, 2))}</pre></div>` : ""}
    <button class="ghost" id="logout">退出登录</button>`;
  document.getElementById("logout").onclick = () => { store.token = ""; localStorage.removeItem("fx_user"); route(); };
}

// ---------------------------------------------------------------- router

async function route() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "p") await product(parts[1]);
    else if (parts[0] === "cart") await cart();
    else if (parts[0] === "orders") await orders();
    else if (parts[0] === "o") await order(parts[1]);
    else if (parts[0] === "me") await me();
    else await home(params);
  } catch (e) {
    if (e.status === 401) { store.token = ""; location.hash = "#/me"; return; }
    fail(e);
  }
}

fetch("/api/shop/info").then((r) => r.ok ? r.json() : {}).then((info) => {
  if (info && info.sandbox) document.getElementById("sandbox-badge").hidden = false;
}).catch(() => {});

window.addEventListener("hashchange", route);
route();
