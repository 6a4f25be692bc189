/**
 * Language family: what the message asks for and how it pressures. Lexicons in English,
 * Portuguese, Spanish, German, French and Italian (the languages of the corpus), matched on
 * folded text (lower case, accents dropped, confusables mapped), so "Senha" and "ѕenha" match.
 */

import { freemail, rootDomain } from '../domains.ts';
import type { MessageView } from '../features.ts';
import { gateKeys, mayMatch, type WordStarts, wordStartsIn, wordStartsOf } from '../gate.ts';
import { maskEmail, maskText } from '../mask.ts';
import { foldText, skeleton } from '../normalise.ts';
import { defineRule, type Rule, type RuleHit } from './rule.ts';
import { brandsNamedIn, isBrandDomain } from './sender.ts';
import { linksAlignedWithSender } from './url.ts';

export interface Lexicon {
  readonly patterns: readonly RegExp[];
}

/** Counts distinct patterns that match and returns the first match as evidence. */
export function lexiconHit(
  text: string,
  lexicon: readonly RegExp[],
  need = 1,
  starts: WordStarts = wordStartsIn(text),
): RuleHit | null {
  let count = 0;
  let evidence = '';
  for (const re of lexicon) {
    if (!mayMatch(gateOf(re), starts)) continue;
    const m = re.exec(text);
    if (m) {
      count++;
      if (!evidence) {
        const start = Math.max(0, m.index - 20);
        evidence = text.slice(start, m.index + m[0].length + 20);
      }
    }
  }
  if (count < need) return null;
  return {
    evidence: `"${maskText(evidence, 90)}"${count > 1 ? ` (+${count - 1} more)` : ''}`,
    strength: Math.min(2, 0.7 + 0.3 * count),
  };
}

/**
 * One message's lexicon readings: its word starts are read once, and a lexicon another rule weighs
 * as context (a brand claim with pressure) is not scanned twice. Kept per view, so nothing carries
 * over from one message to the next.
 */
interface Readings {
  readonly starts: WordStarts;
  readonly hits: Map<readonly RegExp[], RuleHit | null>;
}
const readingsOf = new WeakMap<MessageView, Readings>();

/** A lexicon read on the message's folded text (the sender name too, when `withName`). */
export function lexiconIn(v: MessageView, lexicon: readonly RegExp[], withName = false): RuleHit | null {
  let readings = readingsOf.get(v);
  if (!readings) {
    // The sender name's words are marked too: a superset of words only lets more patterns run.
    readings = { starts: wordStartsIn(`${v.displayFolded} ${v.folded}`), hits: new Map() };
    readingsOf.set(v, readings);
  }
  if (withName) return lexiconHit(`${v.displayFolded} ${v.folded}`, lexicon, 1, readings.starts);
  if (readings.hits.has(lexicon)) return readings.hits.get(lexicon) ?? null;
  const hit = lexiconHit(v.folded, lexicon, 1, readings.starts);
  readings.hits.set(lexicon, hit);
  return hit;
}

const everywhere = new WeakMap<RegExp, RegExp>();

/**
 * The text without the phrases a lexicon matches, every occurrence of each pattern (gated as in
 * `lexiconHit`; `starts` may be read from a longer text, which only lets more patterns run).
 */
export function withoutLexiconPhrases(
  text: string,
  lexicon: readonly RegExp[],
  starts: WordStarts = wordStartsIn(text),
): string {
  let rest = text;
  for (const re of lexicon) {
    if (!mayMatch(gateOf(re), starts)) continue;
    let global = everywhere.get(re);
    if (!global) {
      global = new RegExp(re.source, `${re.flags.replace('g', '')}g`);
      everywhere.set(re, global);
    }
    rest = rest.replace(global, ' ');
  }
  return rest;
}

const gates = new WeakMap<RegExp, readonly number[] | null>();

/** The words a pattern's matches must start with (see gate.ts), read once per pattern. */
function gateOf(re: RegExp): readonly number[] | null {
  let gate = gates.get(re);
  if (gate === undefined) {
    gate = gateKeys(wordStartsOf(re));
    gates.set(re, gate);
  }
  return gate;
}

export const credentialLexicon: readonly RegExp[] = [
  /\b(verify|confirm|validate|update|reactivate|restore|unlock|re-?confirm)\s+(your|the)\s+(account|identity|password|login|credentials|e-?mail account|mailbox|billing information|payment (details|information|method)|card details)/,
  /\b(sign|log)\s*-?\s*in\s+(now|below|again) to (verify|confirm|restore|unlock|avoid|keep|reactivate|secure|validate)\b/,
  /\b(enter|provide|submit)\s+(your)?\s*(password|credentials|login|card|pin|ssn|social security)/,
  /\bpassword\s+(expires?|expired|expiration|reset required)/,
  /\byour (mailbox|e-?mail storage|storage quota)\s+(is\s+)?(full|almost full|exceeded)/,
  /\bunusual\s+(sign-?in|login|activity)\b|\bsuspicious\s+(activity|login|sign-?in)\b/,
  /\b(your )?(wallet|account) has not (yet )?been (verified|validated)\b|\b(confirm|verify|approve) (your|the) (pending )?(transaction|withdrawal)\b/,
  // pt / es: suspicious sign-ins (a neutral "new sign-in" notice is what real alerts say too)
  /\b(acesso suspeito|atividade suspeita|inicio de sesion sospechoso|actividad sospechosa)\b/,
  /\b(shared|sent)\s+(a|an)\s+(document|file|folder|fax|voicemail)\s+with\s+you\b/,
  /\bview\s+(the\s+)?(document|file|invoice|message|voicemail)\b/,
  /\b(update|verify|validate|sync|synchroni[sz]e|connect|restore|migrate) your (wallet|seed|recovery phrase)\b/,
  // pt
  /\b(atualize|atualizar|confirme|confirmar|valide|validar|regularize|regularizar)\s+(seus?|sua|o|a)?\s*(dados|cadastro|conta|senha|informacoes|acesso)/,
  /\b(informe|digite|insira|confirme|atualize|valide|cadastre|redefina|desbloqueie)\s+(a\s+|sua\s+|seu\s+|nova\s+)?(senha|token|chave de acesso)|\bsenha\s+(expira|expirou|expirada|vencida|bloqueada)|\btoken\s+(de\s+)?seguranca\b|\bchave\s+de\s+acesso\b/,
  // es
  /\b(verifique|verificar|confirme|confirmar|actualice|actualizar)\s+(su|sus|tu|tus)\s+(cuenta|datos|identidad|contrasena|informacion)/,
  /\b(ingrese|introduzca|confirme|actualice|restablezca)\s+(su|tu)\s+contrasena|\bcontrasena\s+(caduca|ha caducado|expira|vencida|bloqueada)/,
  // de
  /\b(bestatigen|verifizieren|aktualisieren)\s+sie\s+(ihr|ihre|ihren)\b|\b(ihr|ihre)\s+(konto|kennwort|passwort|zugangsdaten)\b/,
  // fr
  /\b(verifiez|confirmez|mettez a jour)\s+(votre|vos)\s+(compte|identite|informations|donnees)|\b(saisissez|entrez|confirmez)\s+(votre\s+)?mot de passe|\bmot de passe\s+(expire|a expire|bloque)/,
  // it
  /\b(verifica|conferma|aggiorna)\s+(il tuo|i tuoi|la tua)\s+(account|conto|dati|identita)/,
  // nl
  /\b(verifieer|bevestig|controleer|update|herstel)\s+(uw|je|jouw)\s+(account|gegevens|identiteit|rekening|betaalgegevens|wachtwoord)\b|\b(voer|vul)\s+(uw|je)\s+wachtwoord|\bwachtwoord\s+(verloopt|is verlopen|geblokkeerd)/,
  // pt: a tax or ID number threatened with cancellation (CPF/CNPJ scams)
  /\b(cpf|cnpj|titulo de eleitor)\s+(esta|sera|foi|encontra-se)\s+(em processo de cancelamento|bloquead|suspens|cancelad|irregular)/,
];

/**
 * Neutral account alerts ("a new sign-in to your account"): what the brand itself sends, so not
 * pressure on their own, but pressure when the subject names a brand the sender is not.
 */
export const accountAlertLexicon: readonly RegExp[] = [
  /\b(new (sign-?in|login|device)|signed in from a new|sign-?in attempt|security alert)\b/,
  /\b(novo (acesso|dispositivo|login)|acesso de um novo dispositivo|nao reconhec[oe] (este|esse) acesso|alerta de seguranca|nuevo (inicio de sesion|dispositivo)|alerta de seguridad)\b/,
  /\b(neue anmeldung|neues gerat|nouvelle connexion|nouvel appareil|nieuwe aanmelding|nieuw apparaat)\b/,
];

export const urgencyLexicon: readonly RegExp[] = [
  /\bwithin\s+(24|48|72|12|2|3)\s*(hours|hrs|h)\b|\bin\s+the\s+next\s+(24|48)\s+hours\b/,
  /\b(urgent action|immediate action|action(?<!\bno action) required|final notice|last warning|act now|expires? today|time[- ]sensitive|respond immediately|urgent response)\b/,
  /\b(requires? (your )?immediate attention|hurry up|only \d{1,2} hours? left|\d{1,2} hours? left to (claim|get|receive|redeem))\b/,
  /\b(account|access|service|card|mailbox|subscription|membership|wallet)s?\s+(has been|will be|will soon be|is|was|is temporarily|will be temporarily|be)\s+(suspended|locked|disabled|limited|restricted|blocked|terminated|deactivated|closed|deleted|on hold)/,
  /\b(permanently (deleted|closed|suspended)|temporarily (suspended|on hold|locked))\b/,
  // a threat, not an administrative deadline: "within 24 hours", not "within the next 7 days"
  /\bif you (do not|don't|fail to) (verify|confirm|update|respond|act|pay|validate)\b(?!.{0,30}\b(([7-9]|[1-9]\d) (days|business days)|(a|one|two|three|\d+) (weeks?|months?))\b)/,
  // pt: a court summons or labour lawsuit, the "processo" lure
  /\b(processo trabalhista|intimacao (judicial|eletronica)|citacao judicial|mandado de (citacao|intimacao))\b/,
  // pt
  /\b(ultimo aviso|ultima chance|sera (bloquead|cancelad|suspens)[oa]|conta (bloqueada|suspensa)|bloqueio (da|de sua|do seu)|evite (o bloqueio|a suspensao)|prazo final|regularize (agora|ja)|vence hoje|pendencia)\b/,
  // es
  /\b(ultimo aviso|cuenta (suspendida|bloqueada)|sera (suspendida|bloqueada|cancelada)|vence hoy|de inmediato)\b/,
  // de
  /\b(letzte mahnung|konto (wurde|wird) (gesperrt|eingeschrankt|deaktiviert)|innerhalb von (24|48) stunden|umgehend)\b/,
  // fr
  /\b(dernier avis|compte (sera )?(suspendu|bloque|desactive)|sous (24|48) ?h(eures)?)\b/,
  // nl / it
  /\b(laatste herinnering|account (is )?geblokkeerd|ultimo avviso|account (sospeso|bloccato))\b/,
  /\b(binnen (24|48|72) uur|wordt (uw|je) (account|rekening|pas) (geblokkeerd|opgeschort|verwijderd)|entro (24|48) ore)\b/,
  /\b(beeilen sie sich|nur noch (heute|wenige stunden))\b/,
  // nl: "we tried to reach you, please respond"
  /\b(wij hebben|we hebben) (geprobeerd|getracht) (u|je) .{0,6}(te )?bereiken\b|\breageer alstublieft\b/,
  // a threat to delete what the recipient keeps (photos, files, mailbox) unless they pay or act
  // the cloud-storage-full lure: your photos and files are about to go
  /\b(your|all|the) (photos|files|videos|data|documents|emails|messages) (and (photos|files|videos|data|documents) )?(will be|are being|are going to be|could be) (permanently )?(deleted|removed|erased|lost)\b|\bstorage (capacity |quota |space |limit )?(exceeded|reached|is full|almost full)\b/,
];

export const payoffLexicon: readonly RegExp[] = [
  /\b(you('ve| have)? been chosen|(are|is) (our|the) winner|delivery fee may apply|answer a few (quick )?questions|congratulations[!,.]? you('ve| have)? (won|been|are)|you('ve| have)? (won(?!')|been selected)|claim your (prize|reward|gift|tokens?|airdrop)|free (iphone|reward)|you are (the|our) (lucky|selected))\b/,
  /\b(gift ?card|seed phrase|recovery phrase|secret phrase|airdrop|usdt|connect your wallet|wallet (validation|verification|synchroni[sz]ation))\b/,
  /\b(wire transfer|western union|moneygram|tax refund|unclaimed (funds|money)|inheritance fund|compensation fund|donation fund)\b/,
  /\b(invoice|payment|order|package|parcel|shipment|delivery)\s+(is\s+)?(overdue|failed|declined|on hold|pending|suspended|could not be delivered|undeliverable)/,
  /\b(sie wurden ausgewahlt|sie haben gewonnen|vous avez ete selectionne|ha sido seleccionad[oa]|valores a receber|codigo de liberacao|liberacao pendente|saque (disponivel|liberado))\b/,
  // pt
  /\bparabens[!,.]? (voce|vc) (foi|ganhou|esta|acaba)\b|\b(voce (foi (selecionad|sorteado)|ganhou)|premio|sorteado|resgate (seus|agora)|resgatar|pontos (expiram|vao expirar)|fatura (em aberto|pendente|vencida)|taxa de (entrega|importacao|liberacao)|restituicao)\b/,
  // es
  /\b(felicidades|felicitaciones)[!,.]? (usted |tu )?(ha|has|fue|es) |\b(ha ganado|has ganado|reembolso|paquete retenido|su entrega esta pendiente)\b/,
  // de
  // a voucher alone is what every shop offers; one given away, won or waiting to be collected is the lure
  /\b(gewinner|gewonnen|gewinnspiel|ruckerstattung|paket (konnte nicht|wird zuruckgesendet|ist bereit)|zollgebuhr)\b|\b(kostenlos\w*|gratis|geschenkt\w*|exklusiv\w*) .{0,30}gutschein|\bgutschein\w* .{0,40}(gewonnen|geschenkt|wartet|abholen|einfordern|beanspruchen)|\bgutschein im wert von\b/,
  /\b\d[\d.,]* ?(€|euro) [\w-]{0,30}gutschein/,
  // fr
  /\bfelicitations[!,.]? (vous|tu) (avez|as|etes|es) |\b(vous avez gagne|remboursement|colis (en attente|bloque|vous attend))\b/,
  // nl / it
  /\b(u (hebt|heeft) gewonnen|je hebt gewonnen|cadeaukaart|uw pakket (wacht|kon niet)|hai vinto|sei stato selezionato)\b/,
  // de: "you can win", "one of the few lucky ones"
  /\b(sie konnen (einen|ein) .{0,40}gewinnen|preis gewinnen|als einer der (wenigen )?glucklichen|sie wurden als .{0,40}ausgewahlt)\b/,
  // crypto giveaways: claiming tokens, free mints, cashback or a share the recipient never earned
  /\b(claim (your|the) (share|cashback|tokens?|allocation|bonus|free|nft|mint|btc|eth|usdt)|free (tokens?|mint|nfts?|btc|bitcoin|eth|usdt)|start your claim|redeem your free)\b/,
  // a coin amount handed out ("Claim 500 BNB", "+0.035 BTC *FREE*") or deposited to the reader
  /\bclaim \d[\d,.]* ?(btc|eth|usdt|usdc|bnb|sol|xrp|trx|tokens?)\b|\b\d[\d,.]* ?(btc|eth|usdt|bnb)\W{0,3}free\b|\b(deposited|credited|transferred) (the )?\d[\d,.]* ?(btc|eth|usdt|bitcoins?)\b/,
  // money said to be waiting ("Seu empréstimo já está disponível"), a free gift by chance
  /\b(seu|sua) (emprestimo|dinheiro|credito|saldo|premio|reembolso|restituicao) (ja )?(esta|foi) (disponivel|liberad[oa]|aprovad[oa])\b|\byour chance to (receive|win|get|claim) (a |an |your )?free\b/,
  // a coin amount in a username: sign-up forms abused to mail a lure ("Username: x.pages.dev - 1.34 BTC")
  /\busername: [^\n]{0,80}?\d[\d.,]* ?(btc|usdt|eth|bitcoin)\b/,
  // the survey-for-a-gift scam: a few questions about a brand, then a free kit or a prize draw
  /\b(nehmen sie an (einer|unserer) (kurzen )?umfrage teil|beantworten sie (einfach )?(ein paar|einige) fragen)\b/,
  /\b(complete|take|answer) (our|this|a|the) (short |quick |brief )?(survey|questionnaire) (and|to) (receive|get|claim|win)\b|\b(completez|repondez a) (notre|ce|un) (rapide |court |petit )?(sondage|questionnaire)\b|\b(beantwoord|vul) (een paar|enkele) (simpele |korte )?vragen\b|\bmaak kans op\b|\bniet de organisator (of sponsor )?van deze (actie|campagne)\b|\b(responda|complete) (nossa|a|esta) (pesquisa|enquete) e (receba|ganhe)\b/,
];

export const advanceFeeLexicon: readonly RegExp[] = [
  /\b(dear (friend|beloved|beneficiary)|next of kin|consignment box|diplomat(ic)?|barrister|attorney at law|foundation grant)\b/,
  /\b(\$|us\$|usd|eur|€)\s?\d[\d,.]*\s?(million|m)\b|\b\d[\d,.]*\s?(million)\s?(us )?(dollars|usd|euros)\b/,
  /\b(business (proposal|collaboration)|investment (opportunity|collaboration)|mutual benefit|your (urgent )?assistance|kindly (reply|respond|get back))\b/,
  /\b(get back to (me|us)|reply (me|to this) (urgently|asap)|greetings? to you|contact me (via|through|on) (my )?(private )?e-?mail)\b/,
  // the private lender: a loan at a low rate from a stranger, details asked by reply
  /\bloan offer\b|\b(personal|business|private) loans? (at|with) (a |an )?(low )?\d+(\.\d+)? ?% (interest|rate)\b|\bwe (offer|give out|grant) (all kinds of |personal |business |private )*loans\b/,
  // the stranger explaining where the address came from ("I got your email from a business directory")
  /\bi (got|obtained|found|came across) your (e-?mail|contact|address)( contact| address)? (from|through|in|on|via|while)\b/,
  /\b(mutually beneficial|lucrative (deal|business|proposal|transaction|venture)|private proposition|probate (file|matter|case)|confidential (business|transaction|proposal)|i await your (urgent )?(response|reply))\b/,
  // the dying donor or widow giving away a fortune
  /\b(childless|terminal(ly)? ill|my (late )?husband (died|passed)|my late husband|before (his|her) (death|demise)|donate (the|this|my) (fund|funds|money|sum|inheritance)|less privileged|orphanages?)\b/,
  // a sum of a million or more, written out, next to an inheritance, a donation or a beneficiary
  /(?:€|\$|£|usd|eur|us\$)\s?\d{1,3}(?:[,.]\d{3}){2,}.{0,200}?\b(inheritance|donation|compensation|consignment|beneficiar|next of kin|late (husband|father|client))|\b(inheritance|donation|compensation|consignment|beneficiary|next of kin)\b.{0,200}?(?:€|\$|£|usd|eur|us\$)\s?\d{1,3}(?:[,.]\d{3}){2,}/,
  // pt / es / fr / de / it / nl
  /\b(viuva|sem filhos|heranca|milhoes de (dolares|euros)|fundo de (compensacao|heranca)|meu falecido marido|proposta de negocio|negocio lucrativo)\b/,
  /\b(viuda|herencia|millones de (dolares|euros)|mi difunto esposo|propuesta de negocio|negocio lucrativo)\b/,
  /\b(veuve|millions de (dollars|euros)|feu mon (mari|epoux)|mon defunt mari|proposition d'affaires?)\b/,
  /\b(witwe|erbschaft|millionen (us-)?(dollar|euro)|mein verstorbener (mann|ehemann)|geschaftsvorschlag)\b/,
  /\b(vedova|eredita|milioni di (dollari|euro)|proposta d'affari|weduwe|erfenis|miljoen (dollar|euro))\b/,
];

export const spamOfferLexicon: readonly RegExp[] = [
  // Chinese gambling promotions pasted into web forms (sports betting, deposit bonus, baccarat)
  /(开云体育|买球|充值送|博彩|娱乐城|百家乐|真人视讯|体育投注|注册送)/,
  // bad-credit lending
  /\b((bad|poor) credit (loans?|ok|welcome|approved)|lending for bad credit|(you may |you )?qualify to borrow|borrow (from|up to) \$\s?\d)\b/,
  // work-from-home and money-doubling pitches
  /\b(online work|work from home and earn|first payment within|earn (up to )?\$?\d[\d,]* (a|per) (day|hour)|double your (money|investment|bitcoin|crypto)|verdubbel (uw|je) (investering|geld)|guaranteed (daily )?(profits?|returns))\b/,
  /\b(casino|free spins|jackpot|online slots|slot machines?|roulette|rodadas gratis|tiradas gratis|freispiele)\b/,
  /\b(looking for a (lover|man|partner|boyfriend)|hookup|horny|naughty|sex ?date|seksdate|neuken|lustige dates|singles in (deiner|ihrer) nahe|erektion|potenzmittel|abnehmen)\b/,
  /\b(singles near you|find your (best|perfect) match|dating site|meet (women|singles|girls))\b/,
  /\b(weight loss|lose weight|keto|fat burn(ing)?|belly fat|lose \d+ ?(lbs|pounds|kg)|diet pills?|erectile|viagra|cialis|get hard|(problems|trouble) getting hard|penis enlargement|male enhancement|gummies)\b/,
  /\b((melt|melted|shed|dropped|burn|burned) (off )?(around |over |up to )?\d+ ?(lbs|pounds|kg)|stubborn (lbs|fat|belly))\b/,
  /\b(wants to (meet|chat with) you|beauty girls?|your profile on .{1,30} has been approved|no deposit bonus|no deposit required|play for free and win|deposit bonus|bonus (at|on) every deposit)\b/,
  // nl / de / fr / pt / es dating, sex and pill offers
  /\b(spannende afspraak|flirt(en)? (voor|met) singles|gratis afspreken|(mijn|m'n) profiel (te )?bekijken|(view|check out|see) my (private )?profile|orgasme[ns]?|blauwe pil|erectie)\b/,
  /\b(mit (diesen|heissen|einsamen) frauen|frauen (kennenlernen|in deiner nahe)|keine einzahlung)\b/,
  /\b(femmes? celibataires?|mulheres solteiras|mujeres solteras|sem deposito|sin deposito)\b/,
  /\bremove yourself from (our|this|the) (e-?mails? |mailing )?list\b/,
  /\b(auto warranty|car warranty|extended warranty|solar panels?|personal loans?|credit score|debt relief|make money (online|fast|from home)|work from home|earn \$?\d+ (per|a) (day|week|hour)|passive income)\b/,
];

/**
 * Solicitations no legitimate sender writes: explicit sex, mail-order brides, a stranger's romance
 * opener, pills without a prescription. Stronger evidence than an offer a real business may make
 * (a casino bonus, a loan, a diet), so `language.spam-offer` weighs them 1.4 times.
 */
export const solicitationLexicon: readonly RegExp[] = [
  /\b(hot (women|girls|singles)|(ukrainian|russian|asian) (women|woman|beauties|brides|girls?|wives)|sex ?dating|sex(y)? (date|chat)|lonely housewife|adult ?(sex|dating|friend ?finder)|girls? (near|in) your (area|city))\b/,
  /\b((suck|lick) your (cock|dick|penis)|wants to (suck|fuck|have sex)|your penis|(lonely|beautiful) (girls|women) (there are )?in your (town|city|area)|nude (photos|pics|pictures)|naaktfoto'?s)\b/,
  /\b(no prescription (needed|required)|canadian pharmacy)\b/,
  // romance-scam openers: a stranger's loneliness, age and photos, before moving the talk elsewhere
  /\b((where|were) (are|r) (you|u) from,? and how old|i('ll| will) (send|reply to|reply) (you|u) my (photo|photos|pictures|pics)|looking (up|for) (a )?(gentle|serious|kind|honest|caring|real) (man|men|gentleman)|(unmarried|single|lonely|solitary) (generous |savory |sweet |beautiful |young )?(woman|female|girl|lady)|i (saw|found|liked) your (profile|photo)s?|(lonely|single) \d{2} ?(years? old|y\.?o)|(find|meet) (a )?(charming|kind|serious|decent|reliable|caring) (male|man|gentleman) from)\b/,
  /\b(oekraiense (vrouwen|meisjes|schoonheden|singles)|oekrai[a-z]* meisje|ukrainische (frauen|schonheiten)|russische frauen|sexkontakte|femmes? (russes?|ukrainiennes?)|rencontres? (coquines?|sexy|discretes?)|mulheres (russas|ucranianas)|mujeres (rusas|ucranianas))\b/,
];

const LATIN = /[a-z]/i;
const LOOKALIKE_SCRIPTS =
  /[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0530-\u058f\u13a0-\u13ff\u0700-\u074f\u1d00-\u1d7f]/;

/** Words that mix Latin letters with Cyrillic/Greek/Armenian/Cherokee lookalikes or Syriac marks. */
export function mixedScriptWords(s: string): string[] {
  const out: string[] = [];
  for (const w of s.split(/[\s.,;:!?()[\]"'<>/\\|*_-]+/)) {
    if (w.length >= 3 && LATIN.test(w) && LOOKALIKE_SCRIPTS.test(w)) {
      out.push(w);
      if (out.length >= 5) break;
    }
  }
  return out;
}

export const languageRules: readonly Rule[] = [
  defineRule({
    id: 'language.credential-request',
    family: 'language',
    severity: 'medium',
    description: 'The text asks to sign in, verify an account or hand over a password.',
    weight: 1.0,
    phrases: credentialLexicon,
    evaluate: (v) => {
      const hit = lexiconIn(v, credentialLexicon);
      // Asked to sign in or update a card at the sender's own site, with no link elsewhere: how
      // every service's dunning and password mail reads. A lure has to send the reader somewhere.
      if (hit && linksAlignedWithSender(v))
        return {
          evidence: `${hit.evidence}, all links to the sender's own site`,
          strength: (hit.strength ?? 1) * 0.5,
        };
      // A sign-up code ("verify your email; your code is 458571") leads nowhere to type a password.
      if (hit && v.links.length === 0 && v.email.attachments.length === 0)
        return {
          evidence: `${hit.evidence}, with no link or attachment`,
          strength: (hit.strength ?? 1) * 0.5,
        };
      return hit;
    },
  }),
  defineRule({
    id: 'language.urgency',
    family: 'language',
    severity: 'low',
    description: 'The text pressures with deadlines, suspensions or threats.',
    weight: 0.7,
    phrases: urgencyLexicon,
    evaluate: (v) => lexiconIn(v, urgencyLexicon),
  }),
  defineRule({
    id: 'language.payoff-lure',
    family: 'language',
    severity: 'low',
    description: 'The text dangles prizes, refunds, crypto or a stuck payment or parcel.',
    weight: 0.7,
    phrases: payoffLexicon,
    evaluate: (v) => lexiconIn(v, payoffLexicon),
  }),
  defineRule({
    id: 'language.advance-fee',
    family: 'language',
    severity: 'medium',
    description: 'Advance-fee / 419 patterns: millions, beneficiaries, business proposals, "get back to me".',
    weight: 0.9,
    evaluate: (v) => lexiconIn(v, advanceFeeLexicon),
  }),
  defineRule({
    id: 'language.spam-offer',
    family: 'language',
    severity: 'low',
    description: 'Bulk-spam offers: casino, dating, pills and diets, warranties, loans, easy money.',
    weight: 0.8,
    // The sender name is read too: "Sex Dating", "Your Best Ukrainian Girl" is the offer itself.
    evaluate: (v) => {
      const solicitation = lexiconIn(v, solicitationLexicon, true);
      return solicitation
        ? { ...solicitation, strength: 1.4 * (solicitation.strength ?? 1) }
        : lexiconIn(v, spamOfferLexicon, true);
    },
  }),
  defineRule({
    id: 'language.mixed-script',
    family: 'language',
    severity: 'high',
    description:
      'Words in the subject, sender name or text mix Latin with lookalike letters of other scripts.',
    weight: 2.0,
    evaluate: (v) => {
      const head = mixedScriptWords(`${v.email.subject} ${v.displayName}`);
      const body = head.length ? [] : mixedScriptWords(v.bodyText.slice(0, 4000));
      const words = head.length ? head : body;
      if (!words.length) return null;
      return {
        evidence: `${words.length} mixed-script word(s), e.g. "${maskText(words[0] ?? '', 30)}"`,
        strength: head.length ? 1.2 : words.length >= 2 ? 1 : 0.6,
      };
    },
  }),
  defineRule({
    id: 'language.digit-letter-swap',
    family: 'language',
    severity: 'medium',
    description: 'Words spelled with digits for letters (IMP0RTANT, C0NSUMER) to dodge filters.',
    weight: 1.2,
    evaluate: (v) => {
      const s = `${v.email.subject} ${v.displayName}`;
      const m = /\b[A-Z]{2,}[01][A-Z]{2,}\b|\b[A-Z][a-z]+0[a-z]{2,}\b/.exec(s);
      return m ? { evidence: `"${maskText(m[0], 30)}"` } : null;
    },
  }),
  defineRule({
    id: 'language.recipient-in-subject',
    family: 'language',
    severity: 'low',
    description: 'The subject addresses the recipient by their email address (bulk personalisation).',
    weight: 0.9,
    evaluate: (v) => {
      const subject = v.email.subject.toLowerCase();
      const hit = v.email.to.find((t) => t.address.length > 3 && subject.includes(t.address.toLowerCase()));
      return hit ? { evidence: 'subject contains the recipient address' } : null;
    },
  }),
  defineRule({
    id: 'language.brand-claim-mismatch',
    family: 'language',
    severity: 'high',
    description: 'The subject names a brand and asks for account action, but the sender is not that brand.',
    weight: 1.3,
    evaluate: (v) => {
      if (!v.fromRoot) return null;
      const named = brandsNamedIn(v.subjectFolded);
      if (!named.length || named.some((b) => isBrandDomain(b, v.fromRoot))) return null;
      const pressure =
        lexiconIn(v, credentialLexicon) ?? lexiconIn(v, urgencyLexicon) ?? lexiconIn(v, accountAlertLexicon);
      if (!pressure) return null;
      return { evidence: `subject names ${named[0]?.name}; sent from ${v.fromRoot}` };
    },
  }),
  defineRule({
    id: 'language.obfuscated-brand',
    family: 'language',
    severity: 'high',
    description:
      'The sender name or subject spells a brand with lookalike characters (CoinbaseWaIIet, PayPaI).',
    weight: 1.6,
    evaluate: (v) => {
      const raw = `${v.displayName} ${v.email.subject}`;
      const folded = `${v.displayFolded} ${v.subjectFolded}`;
      const sk = skeleton(folded.replace(/\s+/g, ''));
      for (const term of [
        'paypal',
        'coinbase',
        'microsoft',
        'netflix',
        'amazon',
        'apple',
        'wallet',
        'office',
        'outlook',
        'metamask',
        'binance',
        'docusign',
        'account',
        // pill spam spells its trademarks with lookalikes to pass word filters (VlAGRA&ClALlS)
        'viagra',
        'cialis',
      ]) {
        if (folded.includes(term)) continue;
        if (sk.includes(skeleton(term)) && raw.length < 400)
          return { evidence: `"${maskText(raw, 60)}" spells ${term}` };
      }
      return null;
    },
  }),
  defineRule({
    id: 'language.generic-greeting',
    family: 'language',
    severity: 'low',
    description:
      'The message opens with a generic salutation ("Dear customer", "Prezado cliente") or greets an email address instead of a name.',
    weight: 0.6,
    evaluate: (v) => {
      const opening = v.bodyText.slice(0, 1500).toLowerCase();
      // "Prezado(a) rodrigo@hotmail.com": a sender that knows the address and not the name
      const byAddress = ADDRESS_GREETING.exec(opening);
      if (byAddress) return { evidence: `"${maskText(byAddress[0], 40)}"` };
      const m = GENERIC_GREETING.exec(opening);
      if (!m) return null;
      // "Dear GlobalSCAPE customer" from globalscape@… addresses its own customers; "Dear
      // Ledger user" from noreply@realplusonline.com borrows a customer base.
      const owner = m[3];
      if (
        owner &&
        (v.from?.address ?? '')
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '')
          .includes(owner)
      )
        return null;
      return { evidence: `"${maskText(m[0], 40)}"` };
    },
  }),
  defineRule({
    id: 'language.urgent-subject',
    family: 'language',
    severity: 'low',
    description: 'The subject opens with an alarm word (URGENT, Action required, Final notice, Aviso).',
    weight: 0.6,
    evaluate: (v) => {
      const m =
        /^\W*(urgent|urgently|important|action required|final notice|last notice|warning|alert|security alert|attention|atencao|atencion|aviso|alerta|urgente|dringend|achtung|wichtig|avis|attenzione)\b/.exec(
          v.subjectFolded,
        );
      if (!m) return null;
      // "Action required: …" is already counted by language.urgency, which reads the subject too.
      if (lexiconHit(v.subjectFolded, urgencyLexicon)) return null;
      return { evidence: `subject starts "${m[1]}"` };
    },
  }),
  defineRule({
    id: 'language.styled-letters',
    family: 'language',
    severity: 'medium',
    description:
      'The subject or sender name is written in mathematical "styled" letters (𝐅𝐑𝐄𝐄) that dodge word filters.',
    weight: 1.2,
    evaluate: (v) => {
      const s = `${v.email.subject} ${v.displayName}`;
      const count = (s.match(/[\u{1D400}-\u{1D7FF}\u{1F130}-\u{1F189}]/gu) ?? []).length;
      return count >= 3 ? { evidence: `${count} styled letters in the subject or sender name` } : null;
    },
  }),
  defineRule({
    id: 'language.callback-scam',
    family: 'language',
    severity: 'medium',
    description:
      'A phone number to call about a purchase, charge, renewal or refund, with few or no links (TOAD).',
    weight: 1.2,
    evaluate: (v) => {
      const web = v.links.filter((l) => l.host).length;
      if (web > 2) return null;
      const t = v.folded.slice(0, 6000);
      const phone = /(\+?\d[\d ().-]{8,}\d)/.exec(t);
      if (!phone || (phone[1]?.replace(/\D/g, '').length ?? 0) < 9) return null;
      const call = /\b(call|contact|dial|ligue|llame|llamar|rufen sie|appelez|bel)\b/.test(t);
      const money =
        /\b(purchase|transaction|charged?|order|invoice|subscription|renewal|refund|payment|compra|transacao|cobranca|pedido|assinatura|reembolso|cargo|factura|abbuchung|bestellung|rechnung|achat|commande)\b/.test(
          t,
        );
      if (!call || !money) return null;
      // TOAD lures come from free-mail accounts that no billing department uses, and borrow an
      // antivirus, retailer or payment brand for the fake renewal.
      if (freemail.has(v.fromRoot))
        return {
          evidence: `call-back number ${phone[1]?.slice(0, 4)}… with payment wording, from free mail`,
          strength: 1.5,
        };
      // From an organisation's own domain, the lure disputes a charge ("if you did not authorise
      // this, call…"); a notice that merely gives its phone number beside a payment is how schools
      // and clinics write.
      const disputes = CALLBACK_DISPUTE.test(t);
      if (!disputes && !AUTOMATIC_RENEWAL.test(t)) return null;
      // The brand a fake renewal borrows is named in the subject, or in the invoice itself. A notice
      // of automatic renewal counts as the lure only then: every real subscription sends one.
      const borrowed = [...brandsNamedIn(v.subjectFolded), ...brandsNamedIn(t.slice(0, 1500))].find(
        (b) => v.fromRoot && !isBrandDomain(b, v.fromRoot),
      );
      if (!disputes && !borrowed) return null;
      return borrowed
        ? {
            evidence: `call-back number ${phone[1]?.slice(0, 4)}… with payment wording, about ${borrowed.name} from ${v.fromRoot}`,
            strength: 1.5,
          }
        : { evidence: `call-back number ${phone[1]?.slice(0, 4)}… with payment wording` };
    },
  }),
  defineRule({
    id: 'language.write-elsewhere',
    family: 'language',
    severity: 'medium',
    description:
      'The text asks the reader to write to a free-mail address that is not the sender (romance and advance-fee scams move the talk off the sending account).',
    weight: 1.0,
    evaluate: (v) => {
      const sender = (v.from?.address ?? '').toLowerCase();
      const recipients = new Set([...v.email.to, ...v.email.cc].map((a) => a.address.toLowerCase()));
      const text = v.bodyText.slice(0, 8000);
      // Found from each "@" outwards: a regex that tries a local part at every position costs more.
      let seen = 0;
      for (let at = text.indexOf('@'); at >= 0 && seen < 50; at = text.indexOf('@', at + 1), seen++) {
        const local = /[\w.+-]{1,64}$/.exec(text.slice(Math.max(0, at - 64), at))?.[0];
        const domain = /^(?:[\w-]{1,63}\.)+[a-z]{2,24}/i.exec(text.slice(at + 1, at + 256))?.[0];
        if (!local || !domain) continue;
        const address = `${local}@${domain}`.toLowerCase();
        if (address === sender || recipients.has(address)) continue;
        if (!freemail.has(rootDomain(domain.toLowerCase()))) continue;
        const before = foldText(text.slice(Math.max(0, at - local.length - 60), at - local.length));
        if (WRITE_TO_ME.test(before)) return { evidence: `asks for replies at ${maskEmail(address)}` };
      }
      return null;
    },
  }),
  defineRule({
    id: 'language.self-vouching',
    family: 'language',
    severity: 'medium',
    description:
      'The message vouches for its own safety in its body ("This message is from a trusted sender"): real safety verdicts come from the mail client, not from the sender.',
    weight: 1.2,
    evaluate: (v) => {
      const m = SELF_VOUCHING.exec(v.folded) ?? SELF_VOUCHING_MARKUP.exec(v.html.slice(0, 20_000));
      return m ? { evidence: `"${maskText(m[0], 60)}"` } : null;
    },
  }),
  defineRule({
    id: 'language.qr-lure',
    family: 'language',
    severity: 'medium',
    description: 'The message asks to scan a QR code (links hidden in an image, out of reach of URL checks).',
    weight: 1.2,
    evaluate: (v) => {
      const m =
        /\b(scan (the|this|below|attached) (qr|code)|qr[- ]?code (below|attached|to (verify|access|sign|view|review|update))|escaneie o (qr|codigo)|escanee el (codigo )?qr|qr-code scannen|scannez le (code )?qr)\b/.exec(
          v.folded,
        );
      if (!m) return null;
      const image = v.email.attachments.some(
        (a) => (a.sniffedType ?? a.declaredType).startsWith('image/') || a.sniffedType === 'application/pdf',
      );
      return image || /<img\b/i.test(v.html) ? { evidence: `"${maskText(m[0], 40)}" with an image` } : null;
    },
  }),
];

/**
 * A body that certifies its own sender. Gateways that warn write about outside senders
 * ("This email originated from outside"), not that the sender is trusted.
 */
const SELF_VOUCHING =
  /\bthis (message|e-?mail|mail) (is|was sent|comes|came|has been sent) (from|by) an? (trusted|verified|safe|secure|certified) sender\b|\b(trusted|verified|safe) sender (verified|confirmed|badge)\b|\bdeze (e-?mail|mail|bericht) (is|komt) (afkomstig )?van een (vertrouwde|geverifieerde) afzender\b|\besta (mensagem|e-?mail) (e|foi enviad[oa]) de um remetente (confiavel|verificado)\b/;
const SELF_VOUCHING_MARKUP =
  /alt\s*=\s*(?:3D)?["']\s*(trusted|verified) sender\s*["']|<!--\s*trusted sender/i;

const CALLBACK_DISPUTE =
  /\b((did not|didn't|do not|don't) (authori[sz]e|make|recogni[sz]e|place|request)|not you\b|unauthori[sz]ed|to cancel|cancel(l?ation| this| the| your)|refund|dispute|if this (wasn't|was not) you|auto-?renew|will be (charged|debited|deducted)|has been (charged|debited|deducted)|nao reconhec|nao autoriz|cancelar|reembols|estorno|no reconoce|stornieren|annuler)/;

const AUTOMATIC_RENEWAL = /\b(automatic(ally)? renew|renews? automatically|unless cancell?ed)/;

/** An ask to write somewhere, just before an address ("E-mail me to", "Write at", "escreva para"). */
const WRITE_TO_ME =
  /\b(e-?mail me|mail me|write (to )?(me|us|at|back)|reply (to )?(me|us)?\s*(at|to|on|via)|contact me|reach me|get back to me|send (me )?(your )?(reply|answer|response|details|pictures|photos)|my (private|personal|direct|own) e-?mail|me escreva|escreva(-me)? para|responda para|escribeme|escribame|contactame|schreib(en sie)? mir|ecri(s|vez)-moi|contactez-moi|scrivimi|mail me op)\b[^@]{0,30}$/;

const ADDRESS_GREETING =
  /(?:^|[^\p{L}])(?:dear|hi|hello|hey|ol[aá]|oi|prezad[oa](?:\(a\))?|car[oa]|estimad[oa](?:\(a\))?|hola|bonjour|cher|ch[eè]re|hallo|beste|liebe[rs]?|sehr geehrte[rs]?|ciao|gentile)[ \t,:]+[\w.%+-]+@[\w-]+(?:\.[\w-]+)+/u;
const GENERIC_GREETING =
  /\b(dear (valued |sir\/madam|sir or madam|customer|client|user|member|account ?holder|beneficiary|friend|applicant|winner|recipient|e-?mail user|webmail user|subscriber)|dear ([a-z0-9]{2,20}) (user|customer|member|client|account ?holder|subscriber)s?\b|dear ,|hello (customer|user|dear)|(prezad[oa]|car[oa]) (client[ea]|usuari[oa]|associad[oa])|estimad[oa] (cliente|usuari[oa])|sehr geehrte[rs]? (kunde|kundin|nutzer)|liebe[rs]? (kunde|kundin)|cher client|chere cliente|beste klant|gentile cliente)\b/;
