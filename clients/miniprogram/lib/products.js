// Product list items from /api/shop/products/search, ready for the grid.
const api = require('./api')
const { yuan } = require('./format')

function card(p) {
  const price = p.promo_price && p.promo_price < p.min_price ? p.promo_price : p.min_price
  return Object.assign({}, p, {
    thumb: api.absolute(p.thumb || p.image),
    priceText: yuan(price) + (p.max_price > p.min_price ? ' 起' : ''),
    soldOut: p.stock_state === 'sold_out',
    promotion_labels: p.promotion_labels || [],
  })
}

async function search(query) {
  const res = await api.get('/api/shop/products/search', query)
  return Object.assign({}, res, { items: (res.items || []).map(card) })
}

module.exports = { card, search }
