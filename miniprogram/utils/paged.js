// The list pages' two moves over a pager (utils/api.createPager): from the first page again, and
// the next page; each re-renders with the page's own renderList(). A failed call has already been
// shown by the API wrapper, so nothing more is said here.
async function reload(page, extraData = {}) {
  page.setData(Object.assign({ loading: true }, extraData))
  try {
    await page.pager.reset()
    page.renderList()
  } catch (e) {
    // shown by the API wrapper
  } finally {
    page.setData({ loading: false, loaded: true })
  }
}

async function loadMore(page) {
  if (!page.pager || !page.pager.hasMore) return
  try {
    await page.pager.next()
    page.renderList()
  } catch (e) {
    // shown by the API wrapper
  }
}

module.exports = { reload, loadMore }
