// The one file a merchant edits before opening the mini-program in WeChat
// DevTools. The same app id goes into project.config.json ("appid").
module.exports = {
  // the shop's public https address (no trailing slash); add it to the
  // request, uploadFile and downloadFile domains of the mini-program
  baseURL: 'https://shop.example.com',

  // the mini-program's AppID (also FENXIAO_WECHAT_APPID on the server)
  appId: 'wx0000000000000000',

  // the WeChat Pay merchant number (FENXIAO_WXPAY_MCH_ID), needed by
  // wx.requestMerchantTransfer when a withdrawal waits for confirmation
  mchId: '',
}
