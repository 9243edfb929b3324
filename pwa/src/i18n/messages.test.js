import { describe, expect, it } from 'vitest'

import { pickLocale } from './index.js'
import en from './messages/en.js'
import zhCN from './messages/zh-CN.js'

function keysOf(messages, prefix = '') {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'object' ? keysOf(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

describe('messages', () => {
  it('has every string in both languages', () => {
    expect(keysOf(en).sort()).toEqual(keysOf(zhCN).sort())
  })

  it('has no empty string', () => {
    for (const messages of [en, zhCN]) {
      for (const key of keysOf(messages)) {
        const value = key.split('.').reduce((node, part) => node[part], messages)
        expect(value.trim(), key).not.toBe('')
      }
    }
  })
})

describe('pickLocale', () => {
  it('prefers a saved choice', () => {
    expect(pickLocale('en', ['zh-CN'])).toBe('en')
  })

  it('follows the browser otherwise', () => {
    expect(pickLocale(null, ['en-GB', 'zh-CN'])).toBe('en')
    expect(pickLocale(null, ['zh-TW'])).toBe('zh-CN')
    expect(pickLocale('fr', ['fr-FR', 'en-US'])).toBe('en')
  })

  it('falls back to Chinese', () => {
    expect(pickLocale(null, ['fr-FR'])).toBe('zh-CN')
    expect(pickLocale(null, [])).toBe('zh-CN')
  })
})
