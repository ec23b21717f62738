// The list pages' two moves over a pager (utils/api.createPager): from the first page again, and
// the next page; each re-renders with the page's own render method. A failed call has already been
// shown by the API wrapper, so nothing more is said here. A page with a second list names it:
// which property holds its pager, which method renders it, which data keys say loading / loaded.
const MAIN = { pager: 'pager', render: 'renderList', loading: 'loading', loaded: 'loaded' }

async function reload(page, extraData = {}, list = MAIN) {
  page.setData(Object.assign({ [list.loading]: true }, extraData))
  try {
    await page[list.pager].reset()
    page[list.render]()
  } catch (e) {
    // shown by the API wrapper
  } finally {
    page.setData({ [list.loading]: false, [list.loaded]: true })
  }
}

async function loadMore(page, list = MAIN) {
  const pager = page[list.pager]
  if (!pager || !pager.hasMore) return
  try {
    await pager.next()
    page[list.render]()
  } catch (e) {
    // shown by the API wrapper
  }
}

module.exports = { reload, loadMore }
