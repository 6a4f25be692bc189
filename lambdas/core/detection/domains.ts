/**
 * Domain knowledge bundled with the engine (no network): registrable domains, brands and their
 * real domains, free-mail providers, shorteners, free hosting and abused TLDs.
 */

/** Multi-label public suffixes common in mail (a compact stand-in for the Public Suffix List). */
const MULTI_SUFFIX = new Set(
  (
    'co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk com.au net.au org.au edu.au gov.au co.nz org.nz ' +
    'com.br net.br org.br gov.br edu.br blog.br co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr com.cn net.cn org.cn ' +
    'gov.cn com.tw com.hk com.sg com.my co.in net.in org.in gov.in co.id or.id co.za org.za gov.za com.mx org.mx ' +
    'gob.mx com.ar gob.ar com.co gov.co com.pe gob.pe com.ve com.tr gov.tr com.ua co.il org.il ac.il com.pl ' +
    'net.pl com.ru com.vn com.ph com.pk com.ng com.eg com.sa co.th ac.th in.th com.es nom.es org.es co.at ' +
    'or.at gv.at com.pt co.ke co.ug co.tz com.gh co.ma ' +
    // hosting platforms that hand out subdomains to anyone: treat as suffixes
    'github.io gitlab.io pages.dev workers.dev netlify.app vercel.app herokuapp.com web.app firebaseapp.com ' +
    'appspot.com azurewebsites.net blob.core.windows.net cloudfront.net amazonaws.com s3.amazonaws.com ' +
    'glitch.me repl.co replit.app onrender.com fly.dev ngrok.io ngrok-free.app ngrok.app trycloudflare.com ' +
    'loca.lt serveo.net wixsite.com weebly.com blogspot.com wordpress.com square.site godaddysites.com ' +
    'webflow.io framer.app framer.website carrd.co mystrikingly.com ipfs.dweb.link ipfs.io myshopify.com ' +
    'sharepoint.com translate.goog r2.dev backblazeb2.com a.run.app bubbleapps.io duckdns.org ddns.net'
  ).split(/\s+/),
);

/** Generic second-level labels under country-code TLDs (com.py, org.bo, gob.ec, ac.ke…). */
const CC_SECOND_LEVEL = new Set(
  'com net org gov edu co ac or ne go gob mil nom ltd plc sch info biz'.split(' '),
);

export function isIpHost(host: string): boolean {
  return (
    /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || /^(0x[0-9a-f]+|\d{8,10})$/i.test(host)
  );
}

/** The registrable ("root") domain of a host: `a.b.example.co.uk` → `example.co.uk`. */
export function rootDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!h || isIpHost(h)) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  for (const take of [4, 3]) {
    if (labels.length > take - 1) {
      const suffix = labels.slice(-(take - 1)).join('.');
      if (MULTI_SUFFIX.has(suffix)) return labels.slice(-take).join('.');
    }
  }
  // Country registries that sell names under generic second levels (essap.com.py, x.gob.ec):
  // the list above cannot name them all, and "com.py" is nobody's domain.
  const tld = labels[labels.length - 1] ?? '';
  if (tld.length === 2 && CC_SECOND_LEVEL.has(labels[labels.length - 2] ?? ''))
    return labels.slice(-3).join('.');
  return labels.slice(-2).join('.');
}

export function domainOf(address: string | null | undefined): string {
  if (!address) return '';
  const at = address.lastIndexOf('@');
  return at >= 0
    ? address
        .slice(at + 1)
        .toLowerCase()
        .replace(/[>\s]+$/, '')
    : '';
}

export interface Brand {
  readonly name: string;
  /** Lower-case words or phrases that name it (matched on word boundaries, confusables folded). */
  readonly terms: readonly string[];
  /**
   * Its real registrable domains (mail and links from these are the brand), and its own top-level
   * domain where it has one (`apple`: post.applecard.apple is Apple's).
   */
  readonly domains: readonly string[];
}

const b = (name: string, terms: string, domains: string): Brand => ({
  name,
  terms: terms.split('|'),
  domains: domains.split(' '),
});

/** Brands phishing impersonates most, with their real domains. */
export const brands: readonly Brand[] = [
  b(
    'Microsoft',
    'microsoft|office 365|office365|outlook|onedrive|sharepoint|microsoft 365|ms teams|microsoft teams|hotmail|windows live',
    'microsoft.com office.com office365.com outlook.com live.com hotmail.com sharepoint.com sharepointonline.com onedrive.com microsoftonline.com msn.com skype.com windows.com azure.com microsoft365.com teams.microsoft.com',
  ),
  b(
    'Apple',
    'apple|icloud|itunes|app store|apple id|apple pay',
    'apple.com icloud.com me.com itunes.com mac.com apple',
  ),
  b('PayPal', 'paypal', 'paypal.com paypal.me paypal-communication.com paypalobjects.com'),
  b(
    'Amazon',
    'amazon|prime video|amazon prime',
    'amazon.com amazon.de amazon.co.uk amazon.com.br amazon.fr amazon.es amazon.it amazon.ca amazon.co.jp amazonses.com primevideo.com aws.amazon.com amazon.in amazon.com.mx amazon.nl ssl-images-amazon.com media-amazon.com',
  ),
  b('Netflix', 'netflix', 'netflix.com nflxext.com nflximg.net'),
  b(
    'Google',
    'google|gmail|google drive|google docs|youtube',
    'google.com gmail.com youtube.com googlemail.com withgoogle.com goo.gl google.com.br',
  ),
  b(
    'Meta',
    'facebook|instagram|whatsapp|meta business|meta for business',
    'facebook.com facebookmail.com instagram.com whatsapp.com meta.com fb.com',
  ),
  b('DHL', 'dhl', 'dhl.com dhl.de dhl.co.uk dhl.fr dhl.nl dpdhl.com dhlparcel.nl'),
  b('FedEx', 'fedex', 'fedex.com'),
  b('UPS', 'ups', 'ups.com'),
  b('USPS', 'usps|postal service', 'usps.com usps.gov'),
  b('DocuSign', 'docusign', 'docusign.com docusign.net'),
  b('Dropbox', 'dropbox', 'dropbox.com dropboxmail.com'),
  b('Adobe', 'adobe|acrobat', 'adobe.com adobesign.com'),
  b('LinkedIn', 'linkedin', 'linkedin.com'),
  b('Coinbase', 'coinbase', 'coinbase.com'),
  b('Binance', 'binance', 'binance.com'),
  b('MetaMask', 'metamask', 'metamask.io consensys.net'),
  b('Ledger', 'ledger', 'ledger.com'),
  b('Trust Wallet', 'trust wallet|trustwallet', 'trustwallet.com'),
  b('Norton', 'norton|lifelock', 'norton.com nortonlifelock.com gen.digital'),
  b('McAfee', 'mcafee', 'mcafee.com'),
  // antivirus "your subscription expired / renewed" lures borrow these (renewal and call-back scams)
  b('TotalAV', 'totalav|total av', 'totalav.com'),
  b('Avast', 'avast', 'avast.com avg.com gen.digital'),
  b('Bitdefender', 'bitdefender', 'bitdefender.com'),
  b('Kaspersky', 'kaspersky', 'kaspersky.com'),
  b('Malwarebytes', 'malwarebytes', 'malwarebytes.com'),
  b('Geek Squad', 'geek squad|geeksquad', 'geeksquad.com bestbuy.com'),
  b('Wells Fargo', 'wells fargo|wellsfargo', 'wellsfargo.com'),
  b('Chase', 'chase bank|jpmorgan chase|chase online', 'chase.com jpmorgan.com'),
  b('Bank of America', 'bank of america|bankofamerica', 'bankofamerica.com bofa.com'),
  b('American Express', 'american express|amex', 'americanexpress.com aexp.com'),
  b('Bradesco', 'bradesco', 'bradesco.com.br bradescoseguros.com.br'),
  b('Itaú', 'itau|itaú', 'itau.com.br'),
  b('Santander', 'santander', 'santander.com.br santander.com santander.co.uk santander.es santander.de'),
  b('Caixa', 'caixa economica|caixa econômica|caixa tem', 'caixa.gov.br'),
  b('Banco do Brasil', 'banco do brasil', 'bb.com.br'),
  b('Nubank', 'nubank', 'nubank.com.br nu.com.br'),
  b('Correios', 'correios', 'correios.com.br'),
  b('Receita Federal', 'receita federal', 'gov.br'),
  b(
    'Mercado Livre',
    'mercado livre|mercado libre|mercadolivre|mercado pago',
    'mercadolivre.com.br mercadolibre.com mercadopago.com mercadopago.com.br',
  ),
  b('Livelo', 'livelo', 'livelo.com.br'),
  b('Detran', 'detran', 'gov.br'),
  b('Sparkasse', 'sparkasse', 'sparkasse.de'),
  b('Volksbank', 'volksbank', 'volksbank.de vr.de'),
  b('ING', 'ing diba|ing-diba', 'ing.de ing.com'),
  b('Deutsche Telekom', 'telekom|deutsche telekom', 'telekom.de t-online.de'),
  b('AT&T', 'at&t|att.net', 'att.com att.net'),
  b('Verizon', 'verizon', 'verizon.com verizon.net verizonwireless.com'),
  b('Xfinity', 'xfinity|comcast', 'xfinity.com comcast.net comcast.com'),
  b('Costco', 'costco', 'costco.com'),
  b('Walmart', 'walmart', 'walmart.com'),
  b('Home Depot', 'home depot|homedepot', 'homedepot.com'),
  b("Lowe's", "lowe's|lowes", 'lowes.com'),
  b("Kohl's", "kohl's|kohls", 'kohls.com'),
  b('Zoom', 'zoom video|zoom meeting', 'zoom.us zoom.com'),
  b('WeTransfer', 'wetransfer', 'wetransfer.com'),
  b('Steam', 'steam community|steampowered', 'steampowered.com steamcommunity.com'),
  b('Booking.com', 'booking.com', 'booking.com'),
  b('Airbnb', 'airbnb', 'airbnb.com'),
  b('Yahoo', 'yahoo', 'yahoo.com yahoo.co.jp yahoo.com.br ymail.com'),
  b('AOL', 'aol', 'aol.com'),
  b('HSBC', 'hsbc', 'hsbc.com hsbc.co.uk'),
  b('Barclays', 'barclays', 'barclays.co.uk barclays.com'),
  b('Royal Mail', 'royal mail', 'royalmail.com'),
  b('Evri', 'evri|hermes parcel', 'evri.com'),
  b('DPD', 'dpd', 'dpd.com dpd.co.uk dpd.de'),
  b('GLS', 'gls', 'gls-group.eu gls-group.com gls-pakete.de gls.de'),
  b('PostNL', 'postnl', 'postnl.nl'),
  b('La Poste', 'la poste|colissimo', 'laposte.fr laposte.net colissimo.fr'),
  b('Vodafone', 'vodafone', 'vodafone.com vodafone.de vodafone.co.uk'),
  b('Orange', 'orange', 'orange.fr orange.com'),
  b('IRS', 'irs|internal revenue service', 'irs.gov'),
  b('HMRC', 'hmrc', 'hmrc.gov.uk gov.uk'),
  b('Spotify', 'spotify', 'spotify.com'),
  b('Disney+', 'disney+|disney plus', 'disneyplus.com disney.com'),
  b('Temu', 'temu', 'temu.com'),
  b('Shein', 'shein', 'shein.com'),
  b('TikTok', 'tiktok', 'tiktok.com'),
  b('X', 'twitter', 'x.com twitter.com'),
  b('Cash App', 'cash app|cashapp', 'cash.app square.com squareup.com'),
  b('Venmo', 'venmo', 'venmo.com'),
  b('Zelle', 'zelle', 'zellepay.com'),
  b('Western Union', 'western union', 'westernunion.com'),
  b('Visa', 'visa card', 'visa.com'),
  b('Mastercard', 'mastercard', 'mastercard.com'),
  b('Capital One', 'capital one', 'capitalone.com'),
  b('Citi', 'citibank', 'citi.com citibank.com'),
  b('Navy Federal', 'navy federal', 'navyfederal.org'),
  b('USAA', 'usaa', 'usaa.com'),
  b('State Farm', 'state farm', 'statefarm.com'),
  b('AAA', 'aaa', 'aaa.com'),
  b('Blockchain.com', 'blockchain.com', 'blockchain.com'),
  b('Kraken', 'kraken', 'kraken.com'),
  b('Crypto.com', 'crypto.com', 'crypto.com'),
  b('Ripple', 'ripple', 'ripple.com'),
  b('EDEKA', 'edeka', 'edeka.de'),
  b('Otto', 'otto', 'otto.de'),
  b('Lidl', 'lidl', 'lidl.de lidl.com lidl.co.uk lidl.fr'),
  b('Aldi', 'aldi', 'aldi.com aldi-sued.de aldi-nord.de aldi.us aldi.co.uk'),
  b('Canva', 'canva', 'canva.com'),
  b('Intuit', 'quickbooks|intuit|turbotax', 'intuit.com quickbooks.com turbotax.com'),
  b('Docusign-like eSign', 'adobe sign|echosign', 'adobesign.com echosign.com'),
  b('Roblox', 'roblox', 'roblox.com'),
  b('Hims', 'hims', 'hims.com forhims.com'),
  b('GitHub', 'github', 'github.com githubusercontent.com'),
  b('Slack', 'slack', 'slack.com slackhq.com'),
  b('Stripe', 'stripe', 'stripe.com stripe.network'),
  b('Atlassian', 'atlassian|jira|confluence', 'atlassian.com atlassian.net'),
  b("Sam's Club", "sam's club|sams club", 'samsclub.com'),
  b('Celsius', 'celsius network', 'celsius.network'),
  b('Exodus', 'exodus wallet', 'exodus.com'),
  b('Tether', 'tether', 'tether.to'),
  b('Bittrex', 'bittrex', 'bittrex.com'),
  b('Best Buy', 'best buy|bestbuy', 'bestbuy.com'),
  b('Target', 'target circle', 'target.com'),
  b('eBay', 'ebay', 'ebay.com ebay.de ebay.co.uk'),
  b('Instagram', 'instagram', 'instagram.com'),
  b('Telegram', 'telegram', 'telegram.org'),
  b('Porto Seguro', 'porto seguro', 'portoseguro.com.br'),
  b('Magalu', 'magalu|magazine luiza', 'magazineluiza.com.br magalu.com'),
  b('Americanas', 'americanas', 'americanas.com.br'),
  b('Serasa', 'serasa', 'serasa.com.br serasaexperian.com.br'),
  b('Detran', 'cnh digital|carteira digital de transito', 'gov.br'),
  b('Ministério da Fazenda', 'ministerio da fazenda|secretaria da fazenda', 'gov.br'),
  // Retail, insurance, health and finance brands that survey-reward and offer scams borrow.
  b('GEICO', 'geico', 'geico.com'),
  b('Ace Hardware', 'ace hardware', 'acehardware.com'),
  b("Dick's Sporting Goods", "dick's sporting goods|dicks sporting goods", 'dickssportinggoods.com dcsg.com'),
  b(
    'Leroy Merlin',
    'leroy merlin',
    'leroymerlin.fr leroymerlin.pl leroymerlin.es leroymerlin.it leroymerlin.pt leroymerlin.com.br',
  ),
  b('Saudi Aramco', 'saudi aramco|aramco', 'aramco.com'),
  b('ADAC', 'adac', 'adac.de'),
  b('Harry & David', 'harry & david|harry and david', 'harryanddavid.com'),
  b('Bath & Body Works', 'bath & body works|bath and body works', 'bathandbodyworks.com bbw.com'),
  b('Tractor Supply', 'tractor supply', 'tractorsupply.com'),
  b('Omaha Steaks', 'omaha steaks', 'omahasteaks.com'),
  b('Charles Schwab', 'charles schwab|schwab', 'schwab.com schwabplan.com'),
  b('Robinhood', 'robinhood', 'robinhood.com'),
  b(
    'UnitedHealthcare',
    'unitedhealthcare|united healthcare',
    'uhc.com unitedhealthcare.com myuhc.com unitedhealthgroup.com',
  ),
  b('Liberty Mutual', 'liberty mutual|libertymutual', 'libertymutual.com'),
  b('Harbor Freight', 'harbor freight', 'harborfreight.com'),
  b('Rossmann', 'rossmann', 'rossmann.de'),
  b('Kaufland', 'kaufland', 'kaufland.de kaufland.com'),
  b('CoinDesk', 'coindesk', 'coindesk.com'),
  b('Tesla', 'tesla|elon musk', 'tesla.com teslamotors.com spacex.com x.com'),
  b('Endurance', 'endurance auto|endurance warranty', 'endurancewarranty.com'),
  b('TruGreen', 'trugreen', 'trugreen.com'),
  b('Life Line Screening', 'life line screening|lifeline screening', 'lifelinescreening.com'),
  // Postal services, banks, telcos and platforms that parcel, bank and account lures borrow across
  // Europe, the Americas and Australia (each with the domains its own mail comes from).
  b('Canada Post', 'canada post|postes canada', 'canadapost.ca canadapost-postescanada.ca postescanada.ca'),
  b('Australia Post', 'australia post|auspost', 'auspost.com.au'),
  b('Poste Italiane', 'poste italiane|posteitaliane', 'poste.it posteitaliane.it'),
  b('Correos', 'correos de espana|correos express', 'correos.es correosexpress.com'),
  b('CTT', 'ctt correios|ctt expresso', 'ctt.pt'),
  b('bpost', 'bpost', 'bpost.be'),
  b('PostNord', 'postnord', 'postnord.se postnord.dk postnord.com postnord.no postnord.fi'),
  b('Swiss Post', 'swiss post|die post ch|postfinance', 'post.ch postfinance.ch'),
  b('InPost', 'inpost', 'inpost.pl inpost.eu inpost.co.uk inpost.it inpost.es'),
  b('Poczta Polska', 'poczta polska', 'poczta-polska.pl pocztapolska.pl'),
  b('Purolator', 'purolator', 'purolator.com'),
  b('Chronopost', 'chronopost', 'chronopost.fr'),
  b('Mondial Relay', 'mondial relay', 'mondialrelay.fr mondialrelay.com'),
  b('Hermes', 'myhermes|hermes paket|hermes germany', 'myhermes.de hermesworld.com hermes-europe.eu'),
  b('ANWB', 'anwb', 'anwb.nl'),
  b('Rabobank', 'rabobank', 'rabobank.nl rabobank.com'),
  b('ABN AMRO', 'abn amro|abnamro', 'abnamro.nl abnamro.com'),
  b('KPN', 'kpn', 'kpn.com kpn.nl'),
  b('BBVA', 'bbva', 'bbva.es bbva.com bbva.mx'),
  b('CaixaBank', 'caixabank', 'caixabank.es caixabank.com'),
  b('Crédit Agricole', 'credit agricole', 'credit-agricole.fr credit-agricole.com'),
  b('Société Générale', 'societe generale', 'societegenerale.fr societegenerale.com'),
  b('BNP Paribas', 'bnp paribas|bnpparibas', 'bnpparibas.com bnpparibas.fr bnpparibas'),
  b('Ameli', 'ameli|assurance maladie', 'ameli.fr'),
  b('Lloyds Bank', 'lloyds bank', 'lloydsbank.com lloydsbank.co.uk lloydsbankinggroup.com'),
  b('NatWest', 'natwest', 'natwest.com'),
  b('Revolut', 'revolut', 'revolut.com'),
  b('N26', 'n26', 'n26.com'),
  b('Monzo', 'monzo', 'monzo.com'),
  b('Deutsche Bank', 'deutsche bank', 'db.com deutsche-bank.de'),
  b('Commerzbank', 'commerzbank', 'commerzbank.de commerzbank.com'),
  b('Postbank', 'postbank', 'postbank.de'),
  b('Interac', 'interac', 'interac.ca'),
  b('Desjardins', 'desjardins', 'desjardins.com'),
  b('RBC', 'rbc royal bank|royal bank of canada', 'rbc.com rbcroyalbank.com'),
  b('Scotiabank', 'scotiabank', 'scotiabank.com'),
  b('Canada Revenue Agency', 'canada revenue agency|cra-arc', 'canada.ca cra-arc.gc.ca'),
  b('Commonwealth Bank', 'commonwealth bank|commbank', 'commbank.com.au cba.com.au'),
  b('Telstra', 'telstra', 'telstra.com telstra.com.au'),
  b('myGov', 'mygov', 'my.gov.au servicesaustralia.gov.au'),
  b('T-Mobile', 't-mobile', 't-mobile.com'),
  b('Hulu', 'hulu', 'hulu.com hulumail.com'),
  b('Trezor', 'trezor', 'trezor.io'),
  b('OpenSea', 'opensea', 'opensea.io'),
  b('Uniswap', 'uniswap', 'uniswap.org'),
  b('Bybit', 'bybit', 'bybit.com'),
  b('OKX', 'okx', 'okx.com'),
  b('KuCoin', 'kucoin', 'kucoin.com'),
  b('Bitpanda', 'bitpanda', 'bitpanda.com'),
  b('Bitvavo', 'bitvavo', 'bitvavo.com'),
  b('Discord', 'discord', 'discord.com discordapp.com'),
  b('Snapchat', 'snapchat', 'snapchat.com snap.com'),
  b('AliExpress', 'aliexpress|alibaba', 'aliexpress.com alibaba.com'),
  b('Etsy', 'etsy', 'etsy.com'),
  b('Zalando', 'zalando', 'zalando.de zalando.com zalando.fr zalando.nl zalando.it zalando.es zalando.pl'),
  b('bol.com', 'bol.com', 'bol.com'),
  b('Allegro', 'allegro', 'allegro.pl allegromail.pl'),
  b('DVLA', 'dvla', 'dvla.gov.uk gov.uk'),
  b('Social Security', 'social security administration', 'ssa.gov'),
  b('Uber', 'uber eats|ubereats', 'uber.com'),
  b('DoorDash', 'doordash', 'doordash.com'),
  // Brazilian health insurers, whose names quote-and-switch mailers put in their display names
  b('Amil', 'amil', 'amil.com.br amil.com'),
  b(
    'NotreDame Intermédica',
    'notredame intermedica|notre dame intermedica|notredame|intermedica',
    'gndi.com.br notredameintermedica.com.br',
  ),
  b('Hapvida', 'hapvida', 'hapvida.com.br'),
  b('SulAmérica', 'sulamerica', 'sulamerica.com.br'),
  b('Bradesco Saúde', 'bradesco saude', 'bradescosaude.com.br bradescoseguros.com.br'),
];

/** Free tenant subdomains of SaaS platforms: anyone can sign up for one (x.onmicrosoft.com). */
const freeTenantSuffix =
  /\.(onmicrosoft\.com|zendesk\.com|freshdesk\.com|tawk\.email|mailchimpapp\.net|wixsite\.com|blogspot\.com|firebaseapp\.com|web\.app|herokuapp\.com|sharepoint\.com)$/;

export const isFreeTenantDomain = (domain: string): boolean => freeTenantSuffix.test(domain);

/**
 * The hosted site that a platform tenant's mail domain belongs to, or null: an App Engine app mails
 * from `<app>.appspotmail.com` and serves `<app>.appspot.com`, so links there are its own.
 */
export function tenantSiteOf(mailDomain: string): string | null {
  const app = /(?:^|\.)([a-z0-9-]+)\.appspotmail\.com$/.exec(mailDomain)?.[1];
  return app ? `${app}.appspot.com` : null;
}

/** Free-mail providers: anyone can register a box there. */
export const freemail = new Set(
  (
    'gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.com.br yahoo.es yahoo.it ymail.com ' +
    'rocketmail.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de hotmail.it hotmail.es outlook.com outlook.fr ' +
    'outlook.de outlook.es live.com live.co.uk live.fr msn.com aol.com icloud.com me.com mac.com mail.com gmx.com ' +
    'gmx.de gmx.net gmx.at web.de t-online.de proton.me protonmail.com pm.me tutanota.com tuta.io zoho.com ' +
    'yandex.com yandex.ru mail.ru bk.ru list.ru inbox.ru rambler.ru qq.com 163.com 126.com sina.com naver.com ' +
    'daum.net hanmail.net uol.com.br bol.com.br terra.com.br ig.com.br libero.it virgilio.it orange.fr free.fr ' +
    'laposte.net sfr.fr wanadoo.fr btinternet.com sky.com comcast.net att.net verizon.net cox.net ' +
    'earthlink.net juno.com netzero.net rediffmail.com seznam.cz wp.pl o2.pl interia.pl onet.pl op.pl ' +
    'mail.ee inbox.lv abv.bg gmx.fr gmx.us email.com usa.com consultant.com engineer.com post.com ' +
    'excite.com lycos.com fastmail.com fastmail.fm hushmail.com mailfence.com disroot.org cock.li'
  ).split(/\s+/),
);

export const shorteners = new Set(
  (
    'bit.ly bitly.com tinyurl.com t.co goo.gl ow.ly is.gd buff.ly rebrand.ly cutt.ly shorturl.at rb.gy t.ly ' +
    'tiny.cc s.id bl.ink short.io lnkd.in soo.gd clck.ru qrco.de v.gd shorte.st adf.ly bc.vc x.co ' +
    'trib.al urlz.fr surl.li u.to tiny.one 1url.com han.gl me2.do vk.cc shrtco.de bit.do zpr.io l.ead.me ' +
    'linktr.ee mcaf.ee ibit.ly n9.cl page.link app.goo.gl cutt.us shorturl.asia lihi.cc lihi1.cc lihi2.cc ' +
    'lihi3.cc lihi1.com reurl.cc hotm.art'
  ).split(/\s+/),
);

/** Free hosting, form builders, file drops, IPFS gateways and tunnels: where phishing kits live. */
export const freeHosts = new Set(
  (
    'github.io gitlab.io pages.dev workers.dev netlify.app vercel.app herokuapp.com web.app firebaseapp.com ' +
    'appspot.com azurewebsites.net blob.core.windows.net glitch.me repl.co replit.app onrender.com fly.dev ' +
    'ngrok.io ngrok-free.app ngrok.app trycloudflare.com loca.lt serveo.net wixsite.com weebly.com ' +
    'square.site godaddysites.com webflow.io framer.app framer.website carrd.co ' +
    'mystrikingly.com ipfs.dweb.link ipfs.io r2.dev backblazeb2.com translate.goog ' +
    '000webhostapp.com firebasestorage.googleapis.com storage.googleapis.com forms.gle docs.google.com ' +
    'sites.google.com jotform.com formstack.com typeform.com wufoo.com forms.office.com forms.zohopublic.com ' +
    'zohopublic.com surveymonkey.com notion.site yolasite.com jimdosite.com webnode.page tilda.ws ' +
    'site123.me mailchimpsites.com weeblysite.com wix.com canva.site glide.page ' +
    'sharepoint.com 1drv.ms onedrive.live.com dropbox.com wetransfer.com we.tl mediafire.com mega.nz ' +
    'filemail.com sendspace.com transfer.sh anonfiles.com gofile.io pixeldrain.com dweb.link cloudflare-ipfs.com ' +
    'pinata.cloud fleek.co ipfs.fleek.co nftstorage.link w3s.link on.fleek.co myqcloud.com oraclecloud.com ' +
    'amazonaws.com s3.amazonaws.com cloudfront.net digitaloceanspaces.com linodeobjects.com bubbleapps.io ' +
    'run.app a.run.app rf.gd epizy.com wuaze.com infinityfreeapp.com duckdns.org ddns.net no-ip.org ' +
    'hopto.org zapto.org servehttp.com glitch.me freehosting.com byethost.com 4everland.app ' +
    'filesusr.com usrfiles.com myportfolio.com codesandbox.io csb.app stackblitz.io ' +
    // static sites on cloud storage (Azure blob websites, Google Cloud Run) and anonymous publishing
    'web.core.windows.net z13.web.core.windows.net telegra.ph graph.org'
  ).split(/\s+/),
);

/** TLDs with high abuse ratios in phishing feeds. */
export const suspiciousTlds = new Set(
  (
    'zip mov top xyz tk ml ga cf gq icu cyou buzz rest cam sbs cfd click link work live shop online site ' +
    'store fun space website monster quest bond beauty hair skin makeup autos boats yachts motorcycles ' +
    'homes lol mom pics fit bar ru su cn pw vip win bid loan racing review date stream download ' +
    'country kim science party gdn men trade accountant faith cricket webcam xin today lat digital ' +
    'host press support one ink best life world site'
  ).split(/\s+/),
);

export function tldOf(host: string): string {
  const i = host.lastIndexOf('.');
  return i >= 0 ? host.slice(i + 1).toLowerCase() : '';
}

let ownerIndex: Map<string, Brand> | undefined;

/**
 * The brand whose own domain this is, or whose domain it is under, if any (`root` is a registrable
 * domain).
 */
export function brandOwning(root: string): Brand | undefined {
  if (!root) return undefined;
  if (!ownerIndex) {
    ownerIndex = new Map();
    for (const br of brands) {
      for (const d of br.domains) {
        if (!ownerIndex.has(d)) ownerIndex.set(d, br);
        const r = rootDomain(d);
        if (!ownerIndex.has(r)) ownerIndex.set(r, br);
      }
    }
  }
  // A bare name ("x@bradesco", "x@apple") is no domain anyone owns: forged From headers use them.
  if (!root.includes('.')) return undefined;
  const owner = ownerIndex.get(root) ?? ownerIndex.get(rootDomain(root));
  if (owner) return owner;
  // A brand domain on the public-suffix list hands out names under it (tenant.sharepoint.com):
  // those hosts are still the brand's service.
  for (let dot = root.indexOf('.'); dot >= 0; dot = root.indexOf('.', dot + 1)) {
    const parent = ownerIndex.get(root.slice(dot + 1));
    if (parent) return parent;
  }
  return undefined;
}
