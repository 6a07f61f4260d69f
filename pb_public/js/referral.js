// Referral entry: a share link (?inviter=CODE&source=link&scene=LINKCODE)
// is counted once, and its inviter, source and scene are kept until the
// visitor signs up (sign-up binds them) or, already signed in, binds now.
import { pb, shop, signedIn } from './api.js';

const KEY = 'fx_ref';

export function pendingReferral() {
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { return null; }
}

export function clearReferral() { localStorage.removeItem(KEY); }

// invitation is the sign-up body part for the kept referral.
export function invitation() {
  const r = pendingReferral();
  return r ? { inviter: r.code, inviter_source: r.source, inviter_scene: r.scene } : {};
}

export async function captureReferral() {
  const q = new URLSearchParams(location.search);
  let code = q.get('inviter') || '';
  const source = q.get('source') || 'link';
  const scene = q.get('scene') || '';
  if (!code && !scene) return;
  // the query is consumed: a reload must not count a second visit
  history.replaceState(null, '', location.pathname + location.hash);
  if (scene) {
    try {
      const click = await shop('/track/click', { method: 'POST', body: { code: scene } });
      code = click.inviter || code;
    } catch { /* counting is best effort; the invite code still binds */ }
  }
  if (!code) return;
  const ref = { code, source: ['link', 'qr', 'poster', 'cart_share'].includes(source) ? source : 'link', scene };
  if (signedIn()) {
    await bindNow(ref);
  } else {
    localStorage.setItem(KEY, JSON.stringify(ref));
  }
}

// bindNow binds a signed-in user to the referral when the shop's binding
// mode allows; a refusal (already bound, own code) is silent.
export async function bindNow(ref = pendingReferral()) {
  if (!ref) return;
  try {
    if (ref.code !== pb.authStore.record?.invite_code) {
      await shop('/referral/bind', { method: 'POST', body: { code: ref.code, source: ref.source, scene: ref.scene } });
    }
  } catch { /* binding_* refusals are expected for bound users */ }
  clearReferral();
}
