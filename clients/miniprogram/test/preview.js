// Screenshots of rendered pages for people to look at. miniprogram-simulate
// renders into jsdom, which lays nothing out; this writes each page's markup
// with app.wxss (1 rpx = 1 px on a 750 px wide page, as simulate writes
// inline styles) to SHOT_DIR and photographs it
// in Chromium. It approximates WeChat's rendering: built-in components are
// plain boxes and images grey placeholders.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./device')

const SHOT_DIR = process.env.SHOT_DIR || path.join(__dirname, 'screenshots')
const pages = []

function css() {
  const app = fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8')
    .replace(/(\d+(?:\.\d+)?)rpx/g, '$1px')
    .replace(/\.([a-z][a-z0-9-]*)/g, '.main--$1')
    .replace(/(^|\n|,|\})\s*page\s*\{/g, '$1 body {')
    .replace(/\b(view|button|image|input|text|swiper|textarea|checkbox|radio)\b(?=[^{}]*\{)/g, 'wx-$1')
  return `
    body { margin: 0; width: 750px; }
    wx-view, wx-swiper, wx-swiper-item, wx-scroll-view, wx-rich-text, wx-radio-group, wx-label { display: block; }
    wx-label { display: inline-block; }
    wx-image { display: inline-block; background: #e8e8e8; width: 640px; height: 480px; }
    wx-swiper { height: 750px; overflow: hidden; background: #e8e8e8; }
    wx-button { display: block; text-align: center; padding: 20px; border-radius: 12px; background: #f8f8f8; margin: 20px 0; font-size: 30px; }
    wx-button[size=mini], .main--bar wx-button, .main--row wx-button { display: inline-block; padding: 8px 24px; margin: 0 0 0 16px; font-size: 26px; }
    wx-checkbox, wx-radio { display: inline-block; width: 32px; height: 32px; border: 1px solid #ccc; border-radius: 50%; margin-right: 16px; vertical-align: middle; }
    wx-input, wx-textarea { display: block; min-height: 40px; border-bottom: 1px dashed #ddd; }
    .main--bar { position: static !important; margin-top: 24px; }
    ${app}`
}

// snapshot keeps what a page shows now.
function snapshot(p, name) {
  pages.push({ name, html: p.comp.dom.outerHTML })
}

// photograph writes the snapshots as HTML and PNG files.
async function photograph() {
  if (!process.env.CHROMIUM || !pages.length) return []
  const { chromium } = require('playwright-core')
  fs.mkdirSync(SHOT_DIR, { recursive: true })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  const ctx = await browser.newContext({ viewport: { width: 750, height: 1334 }, deviceScaleFactor: 1, locale: 'zh-CN' })
  const page = await ctx.newPage()
  const style = css()
  const written = []
  for (const p of pages) {
    const file = path.join(SHOT_DIR, p.name + '.html')
    fs.writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"><style>${style}</style></head><body>${p.html}</body></html>`)
    await page.goto('file://' + file)
    await page.screenshot({ path: path.join(SHOT_DIR, p.name + '.png'), fullPage: true })
    written.push(p.name + '.png')
  }
  await browser.close()
  return written
}

// taken and add carry snapshots from a worker thread's phone to the main one
const taken = () => pages.slice()
const add = (list) => pages.push(...list)

module.exports = { snapshot, photograph, taken, add }
