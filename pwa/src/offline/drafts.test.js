import { describe, expect, it } from 'vitest'

import { createDrafts, draftValues } from './drafts.js'
import { openOfflineStorage } from './storage.js'

describe('drafts', () => {
  it('saves, restores and removes a draft', async () => {
    const storage = await openOfflineStorage({ useIndexedDB: false })
    const drafts = createDrafts({ storage, now: () => '2025-01-01T00:00:00.000Z' })

    await drafts.save('tenant-form', { name: '张三', room: '101' })
    expect(await drafts.load('tenant-form')).toEqual({
      key: 'tenant-form',
      values: { name: '张三', room: '101' },
      savedAt: '2025-01-01T00:00:00.000Z',
    })

    await drafts.remove('tenant-form')
    expect(await drafts.load('tenant-form')).toBeNull()
  })

  it('never keeps the fields it is told to omit', () => {
    const form = { phone: '138', password: 'secret', nested: { a: 1 } }
    expect(draftValues(form, ['password'])).toEqual({ phone: '138', nested: { a: 1 } })
    expect(form.password).toBe('secret')
  })
})
