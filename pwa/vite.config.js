import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const here = dirname(fileURLToPath(import.meta.url))

// Brand colours: the bright green is for decoration only; anything that carries
// text uses the darker one, which passes 4.5:1 on white.
const BRAND_GREEN = '#07C160'

/**
 * Vant's icon font is inlined in its CSS as a 34 KB base64 woff2, with a
 * fallback url on a CDN. Move the woff2 into a file of its own, so the CSS the
 * first screen loads stays small, the font is fetched only when a glyph is
 * drawn, and nothing refers to a host other than ours.
 */
function vantIconFontAsFile() {
  const fontFile = resolve(here, 'node_modules/.cache/anju/vant-icon.woff2')
  const fontFace = /src:url\(data:font\/woff2;[^,]*,([A-Za-z0-9+/=]+)\)[^;}]*/

  return {
    name: 'anju:vant-icon-font-as-file',
    enforce: 'pre',
    transform(code, id) {
      if (!/vant\/es\/icon\/index\.css$/.test(id)) return null
      const match = code.match(fontFace)
      if (!match) {
        this.error('Vant icon CSS changed shape: the inline woff2 was not found')
      }
      mkdirSync(dirname(fontFile), { recursive: true })
      writeFileSync(fontFile, Buffer.from(match[1], 'base64'))
      const url = relative(dirname(id), fontFile).split('\\').join('/')
      return code.replace(fontFace, `src:url(${url}) format("woff2")`)
    },
  }
}

export default defineConfig({
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __APP_VERSION__: JSON.stringify(
      JSON.parse(readFileSync(resolve(here, 'package.json'), 'utf8')).version,
    ),
  },
  resolve: {
    alias: { '@': resolve(here, 'src') },
  },
  plugins: [
    vantIconFontAsFile(),
    vue(),
    Components({
      resolvers: [VantResolver()],
      dts: false,
    }),
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      filename: 'sw.js',
      includeAssets: ['favicon-32.png', 'apple-touch-icon.png'],
      manifest: {
        name: '安居',
        short_name: '安居',
        description: '安居 · 流动人口与出租屋登记',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#EDEDED',
        theme_color: BRAND_GREEN,
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      workbox: {
        // The app shell only: never an API answer, which may hold personal data.
        globPatterns: ['**/*.{js,css,html,png,svg,woff2,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api(\/|$)/],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
        clientsClaim: false,
        skipWaiting: false,
      },
    }),
  ],
  build: {
    target: 'es2020',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: {
      '/api': process.env.ANJU_API_URL || 'http://127.0.0.1:5000',
    },
  },
  preview: {
    proxy: {
      '/api': process.env.ANJU_API_URL || 'http://127.0.0.1:5000',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.js'],
  },
})
