/**
 * Language family: what the message asks for and how it pressures. Lexicons in English,
 * Portuguese, Spanish, German, French and Italian (the languages of the corpus), matched on
 * folded text (lower case, accents dropped, confusables mapped), so "Senha" and "ѕenha" match.
 */

import type { MessageView } from '../features.ts';
import { maskText } from '../mask.ts';
import { defineRule, type Rule, type RuleHit } from './rule.ts';

export interface Lexicon {
  readonly patterns: readonly RegExp[];
}

/** Counts distinct patterns that match and returns the first match as evidence. */
export function lexiconHit(text: string, lexicon: readonly RegExp[], need = 1): RuleHit | null {
  let count = 0;
  let evidence = '';
  for (const re of lexicon) {
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

export const credentialLexicon: readonly RegExp[] = [
  /\b(verify|confirm|validate|update|reactivate|restore|unlock|secure|re-?confirm)\s+(your|the|my)?\s*(account|identity|password|login|credentials|e-?mail|mailbox|information|details|payment|billing|card)/,
  /\b(sign|log)\s*-?\s*in\s+(to|now|here|below|again)\b/,
  /\b(enter|provide|submit)\s+(your)?\s*(password|credentials|login|card|pin|ssn|social security)/,
  /\bpassword\s+(expires?|expired|expiration|reset required)/,
  /\b(mailbox|storage|quota)\s+(is\s+)?(full|almost full|exceeded|limit)/,
  /\bunusual\s+(sign-?in|login|activity)\b|\bsuspicious\s+(activity|login|sign-?in)\b/,
  /\b(shared|sent)\s+(a|an)\s+(document|file|folder|fax|voicemail)\s+with\s+you\b/,
  /\bview\s+(the\s+)?(document|file|invoice|message|voicemail)\b/,
  // pt
  /\b(atualize|atualizar|confirme|confirmar|valide|validar|regularize|regularizar)\s+(seus?|sua|o|a)?\s*(dados|cadastro|conta|senha|informacoes|acesso)/,
  /\bsenha\b|\btoken\s+(de\s+)?seguranca\b|\bchave\s+de\s+acesso\b/,
  // es
  /\b(verifique|verificar|confirme|confirmar|actualice|actualizar)\s+(su|sus|tu|tus)\s+(cuenta|datos|identidad|contrasena|informacion)/,
  /\bcontrasena\b/,
  // de
  /\b(bestatigen|verifizieren|aktualisieren)\s+sie\s+(ihr|ihre|ihren)\b|\b(ihr|ihre)\s+(konto|kennwort|passwort|zugangsdaten)\b/,
  // fr
  /\b(verifiez|confirmez|mettez a jour)\s+(votre|vos)\s+(compte|identite|informations|donnees)|\bmot de passe\b/,
  // it
  /\b(verifica|conferma|aggiorna)\s+(il tuo|i tuoi|la tua)\s+(account|conto|dati|identita)/,
];

export const urgencyLexicon: readonly RegExp[] = [
  /\bwithin\s+(24|48|72|12|2|3)\s*(hours|hrs|h)\b|\bin\s+the\s+next\s+(24|48)\s+hours\b/,
  /\b(urgent|immediately|immediate action|action required|final notice|last chance|last warning|act now|expires? today|time[- ]sensitive)\b/,
  /\b(account|access|service|card|mailbox)\s+(has been|will be|is|was)\s+(suspended|locked|disabled|limited|restricted|blocked|terminated|deactivated|closed|deleted|on hold)/,
  /\b(suspended|deactivated|terminated|permanently (deleted|closed))\b/,
  /\b(failure to|if you (do not|don't|fail to))\s+\w+/,
  // pt
  /\b(urgente|imediatamente|ultimo aviso|ultima chance|prazo|bloqueio|bloqueado|bloqueada|suspenso|suspensa|cancelamento|sera cancelad[oa]|expira|vence hoje)\b/,
  // es
  /\b(inmediatamente|ultimo aviso|suspendida|bloqueada|cancelada|caduca|vence hoy)\b/,
  // de
  /\b(sofort|dringend|letzte mahnung|gesperrt|eingeschrankt|deaktiviert|innerhalb von \d+ (stunden|tagen))\b/,
  // fr
  /\b(immediatement|dernier avis|suspendu|bloque|desactive|sous 24 heures|sous 48 heures)\b/,
];

export const payoffLexicon: readonly RegExp[] = [
  /\b(congratulations|you('ve| have)? (won|been selected)|winner|claim your (prize|reward|gift)|free (gift|iphone|reward)|you are (the|our) (lucky|selected))\b/,
  /\b(gift ?card|bitcoin|btc|crypto(currency)?|wallet|seed phrase|recovery phrase|airdrop|usdt|ethereum)\b/,
  /\b(wire transfer|bank transfer|western union|moneygram|refund of|tax refund|unclaimed (funds|money|inheritance)|inheritance|beneficiary|compensation fund)\b/,
  /\b(invoice|payment|order|package|parcel|shipment|delivery)\s+(is\s+)?(overdue|failed|declined|on hold|pending|suspended|could not be delivered|undeliverable)/,
  // pt
  /\b(parabens|voce (foi|ganhou)|premio|sorteado|resgate|resgatar|pontos expiram|seus pontos|cashback|pix|boleto|fatura (em aberto|pendente|vencida)|encomenda|taxa de (entrega|importacao)|restituicao)\b/,
  // es
  /\b(felicidades|felicitaciones|ha ganado|premio|reembolso|paquete retenido)\b/,
  // de
  /\b(gewinner|gewonnen|gutschein|gewinnspiel|ruckerstattung|paket (konnte nicht|wird zuruckgesendet)|zollgebuhr)\b/,
  // fr
  /\b(felicitations|vous avez gagne|remboursement|colis (en attente|bloque))\b/,
];

const text = (v: MessageView) => v.folded;

export const languageRules: readonly Rule[] = [
  defineRule({
    id: 'language.credential-request',
    family: 'language',
    severity: 'medium',
    description: 'The text asks to sign in, verify an account or hand over a password.',
    weight: 1.0,
    evaluate: (v) => lexiconHit(text(v), credentialLexicon),
  }),
  defineRule({
    id: 'language.urgency',
    family: 'language',
    severity: 'low',
    description: 'The text pressures with deadlines, suspensions or threats.',
    weight: 0.7,
    evaluate: (v) => lexiconHit(text(v), urgencyLexicon),
  }),
  defineRule({
    id: 'language.payoff-lure',
    family: 'language',
    severity: 'low',
    description: 'The text dangles prizes, refunds, crypto or a stuck payment or parcel.',
    weight: 0.7,
    evaluate: (v) => lexiconHit(text(v), payoffLexicon),
  }),
];
