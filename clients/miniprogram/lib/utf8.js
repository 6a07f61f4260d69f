// Streaming UTF-8 decoding of ArrayBuffer chunks. A chunk may end inside a
// multi-byte character (every Chinese character is three bytes); the
// incomplete tail is kept for the next chunk. TextDecoder is used where
// the base library has it.

function createDecoder() {
  if (typeof TextDecoder === 'function') {
    const d = new TextDecoder('utf-8')
    return (buf) => d.decode(new Uint8Array(buf), { stream: true })
  }
  let tail = []
  return (buf) => {
    const bytes = tail.concat(Array.from(new Uint8Array(buf)))
    // find where the last complete character ends
    let end = bytes.length
    for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
      const b = bytes[i]
      if ((b & 0xc0) === 0x80) continue // continuation byte
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
      if (bytes.length - i < need) end = i
      break
    }
    tail = bytes.slice(end)
    return decodeBytes(bytes.slice(0, end))
  }
}

function decodeBytes(bytes) {
  let out = ''
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]
    let cp
    if (b < 0x80) { cp = b; i += 1 }
    else if (b >= 0xf0) { cp = ((b & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f); i += 4 }
    else if (b >= 0xe0) { cp = ((b & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f); i += 3 }
    else { cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f); i += 2 }
    out += String.fromCodePoint(cp)
  }
  return out
}

// base64url → string (JWT payloads); atob does not exist in mini-programs
function base64UrlDecode(s) {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const bytes = []
  let bits = 0
  let value = 0
  for (const c of s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')) {
    const v = chars.indexOf(c)
    if (v < 0) continue
    value = (value << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes.push((value >> bits) & 0xff)
    }
  }
  return decodeBytes(bytes)
}

module.exports = { createDecoder, decodeBytes, base64UrlDecode }
