// Scheduled jobs: schedule, last run, duration and outcome; run one now
// (a long run such as settling a large backlog shows its elapsed time).
import { api, h, when, table, toast, errorText } from '../lib.js';

export default async function jobs(el) {
  const list = await api.get('/api/shop/admin/reports/jobs');
  const run = async (j, b, status) => {
    b.disabled = true;
    const started = Date.now();
    const tick = setInterval(() => { status.textContent = `运行中… ${Math.round((Date.now() - started) / 1000)} 秒`; }, 500);
    status.className = 'progress';
    status.textContent = '运行中…';
    try {
      const res = await api.post(`/api/shop/admin/jobs/${j.name}`);
      toast(`${j.name}：${res.summary || '完成'}`);
    } catch (err) {
      toast(`${j.name} 失败：${errorText(err)}`, true);
    } finally {
      clearInterval(tick);
      await jobs(el);
    }
  };
  el.replaceChildren(
    h('p', { class: 'muted', style: 'margin: 0 0 10px' }, '时间为北京时间；每个任务同一时间只运行一个，定时运行时正在手动运行的会跳过。'),
    table([
      { title: '任务', cell: j => [h('div', {}, j.name), h('div', { class: 'sub' }, j.description)] },
      { title: '计划', cell: j => h('code', {}, j.schedule) },
      { title: '上次运行', cell: j => j.last ? when(j.last.started) : h('span', { class: 'muted' }, '未运行') },
      { title: '耗时', num: true, cell: j => j.last ? `${j.last.duration_ms} ms` : '' },
      { title: '结果', cell: j => j.last
        ? [h('span', { class: 'tag ' + (j.last.ok ? 'ok' : 'bad') }, j.last.ok ? '成功' : '失败'), h('div', { class: 'sub' }, j.last.ok ? j.last.summary : j.last.error)]
        : '' },
      { title: '', cell: j => {
        const status = h('div', {});
        const b = h('button', { class: 'small', onclick: () => run(j, b, status) }, '立即运行');
        return [b, status];
      } },
    ], list));
}
