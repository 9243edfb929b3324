/**
 * A fresh Idempotency-Key: a random UUID v4. crypto.randomUUID exists only in
 * secure contexts of recent browsers, so fall back to getRandomValues, and as
 * a last resort (very old in-app browsers) to Math.random with the time mixed in.
 */
export function newIdempotencyKey(cryptoImpl = globalThis.crypto) {
  if (typeof cryptoImpl?.randomUUID === 'function') return cryptoImpl.randomUUID()

  const bytes = new Uint8Array(16)
  if (typeof cryptoImpl?.getRandomValues === 'function') {
    cryptoImpl.getRandomValues(bytes)
  } else {
    const time = Date.now()
    for (let i = 0; i < 16; i++) {
      bytes[i] = (Math.random() * 256 + (time >> (i % 6) * 8)) & 0xff
    }
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40 // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80 // RFC 4122 variant

  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-')
}
