// A server-sent-events parser fed with text pieces that may cut an event,
// a line or a "\r\n" anywhere.

function createParser(onEvent) {
  let buf = ''
  let event = { id: '', name: 'message', data: [] }

  function line(l) {
    if (l === '') {
      if (event.data.length) onEvent({ id: event.id, event: event.name, data: event.data.join('\n') })
      event = { id: '', name: 'message', data: [] }
      return
    }
    if (l[0] === ':') return // comment
    const i = l.indexOf(':')
    const field = i < 0 ? l : l.slice(0, i)
    let value = i < 0 ? '' : l.slice(i + 1)
    if (value[0] === ' ') value = value.slice(1)
    if (field === 'data') event.data.push(value)
    else if (field === 'event') event.name = value
    else if (field === 'id') event.id = value
  }

  return function push(text) {
    buf += text
    for (;;) {
      const i = buf.search(/\r\n|\r|\n/)
      if (i < 0) return
      // a lone "\r" at the end may be the first half of "\r\n"
      if (buf[i] === '\r' && i === buf.length - 1) return
      const len = buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1
      const l = buf.slice(0, i)
      buf = buf.slice(i + len)
      line(l)
    }
  }
}

module.exports = { createParser }
