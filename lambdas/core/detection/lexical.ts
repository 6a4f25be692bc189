/**
 * Lure vocabulary for the learned model: hand-picked words grouped into multilingual concepts
 * (English, Portuguese, Spanish, German, French, Dutch, Italian). Each concept is a binary feature
 * of the subject and of the body; the model learns its weight.
 *
 * The list is curated on purpose: only words about what a lure asks for or promises (verify,
 * suspended, prize, password…), never words that merely date a message (products, technologies,
 * platforms, years), so that the learned weights cannot encode the corpus' era gap (2002 ham vs
 * 2023 phishing). Crypto words are excluded for the same reason, and so is plain marketing vocabulary
 * (offer, discount, exclusive, unsubscribe, click here): modern legitimate newsletters are full of it.
 */
import { foldText } from './normalise.ts';

export const lureConcepts: Readonly<Record<string, readonly string[]>> = {
  verify:
    'verify verification verified verifique verificar verificacao verificacion verifizieren verifizierung verifiez verifier verificatie verifica'.split(
      ' ',
    ),
  confirm:
    'confirm confirmation confirme confirmar confirmacao confirmacion bestatigen bestatigung confirmez bevestig bevestigen conferma'.split(
      ' ',
    ),
  validate: 'validate validation valide validar validacao validacion valider validatie'.split(' '),
  update:
    'update actualice actualizar atualize atualizar atualizacao aktualisieren aktualisierung mettre actualiser bijwerken aggiorna'.split(
      ' ',
    ),
  account: 'account accounts conta cuenta konto compte rekening'.split(' '),
  password: 'password passwords passcode senha contrasena passwort kennwort wachtwoord'.split(' '),
  login: 'login log-in signin sign-in logon acesse acessar acceder anmelden connexion inloggen'.split(' '),
  suspended:
    'suspended suspension suspend suspenso suspensa suspendida suspendido gesperrt suspendu geblokkeerd sospeso'.split(
      ' ',
    ),
  locked:
    'locked blocked restricted limited bloqueado bloqueada bloqueio bloquear eingeschrankt bloque restreint'.split(
      ' ',
    ),
  deactivated:
    'deactivated disabled terminated deleted desativado desativada cancelado cancelada deaktiviert desactive'.split(
      ' ',
    ),
  expire:
    'expire expires expired expiring expiration expira expirar expirou vence vencimento vencida caduca ablauf abgelaufen'.split(
      ' ',
    ),
  unusual:
    'unusual suspicious unauthorized unrecognized irregular incomum suspeito suspeita sospechoso ungewohnlich inhabituel'.split(
      ' ',
    ),
  security: 'security seguranca seguridad sicherheit securite'.split(' '),
  urgent:
    'urgent urgently immediately urgente imediatamente inmediatamente dringend sofort immediatement'.split(
      ' ',
    ),
  deadline: 'deadline prazo plazo frist delai'.split(' '),
  final: 'final ultimo ultima letzte dernier laatste'.split(' '),
  notice:
    'notice notification alert aviso alerta notificacao notificacion mitteilung benachrichtigung avis melding'.split(
      ' ',
    ),
  action: 'action required necessary necessaria necessario requerida erforderlich requise vereist'.split(' '),
  winner: 'winner winners won ganhou ganador ganaste gewinner gewonnen gagnant gagne vincitore'.split(' '),
  prize: 'prize prizes premio premios preis gewinn lot prijs'.split(' '),
  reward: 'reward rewards recompensa recompensas belohnung recompense beloning'.split(' '),
  congratulations:
    'congratulations congrats parabens felicidades felicitaciones gluckwunsch felicitations gefeliciteerd'.split(
      ' ',
    ),
  claim: 'claim claims reclamar resgate resgatar reclame beanspruchen reclamer'.split(' '),
  selected:
    'selected chosen eligible selecionado selecionada seleccionado ausgewahlt selectionne geselecteerd'.split(
      ' ',
    ),
  payment: 'payment payments pagamento pago zahlung paiement betaling'.split(' '),
  invoice: 'invoice invoices fatura factura rechnung facture'.split(' '),
  refund: 'refund reembolso restituicao erstattung ruckerstattung remboursement terugbetaling'.split(' '),
  pending: 'pending pendente pendiente ausstehend attente'.split(' '),
  overdue: 'overdue unpaid atrasado atrasada vencido impago uberfallig impaye'.split(' '),
  transfer: 'transfer wire transferencia uberweisung virement overboeking'.split(' '),
  funds: 'funds fund fundos fondos'.split(' '),
  million: 'million millions milhoes millones millionen'.split(' '),
  beneficiary: 'beneficiary inheritance heir beneficiario herenca herencia erbe heritage'.split(' '),
  package:
    'package parcel shipment delivery pacote encomenda entrega paquete envio paket sendung lieferung colis livraison pakket bezorging'.split(
      ' ',
    ),
  customs: 'customs alfandega aduana zoll douane'.split(' '),
  fee: 'fee fees taxa tarifa gebuhr frais'.split(' '),
  dear: 'dear prezado prezada estimado estimada caro cara geehrter geehrte cher chere beste'.split(' '),
  customer: 'customer client cliente kunde klant'.split(' '),
  user: 'user usuario utilisateur nutzer benutzer gebruiker'.split(' '),
  mailbox: 'mailbox inbox quota storage caixa postfach'.split(' '),
  document: 'document documents documento dokument'.split(' '),
  shared: 'shared compartilhado compartido geteilt partage gedeeld'.split(' '),
  view: 'view visualizar ver ansehen voir bekijk'.split(' '),
  download: 'download baixar descargar herunterladen telecharger'.split(' '),
  attached: 'attached attachment anexo adjunto anhang piece bijlage'.split(' '),
  money: 'money cash dinheiro dinero geld argent'.split(' '),
  earn: 'earn earning earnings ganhe ganar verdienen gagner verdien'.split(' '),
  investment: 'investment invest investor investimento inversion investition investissement'.split(' '),
  loan: 'loan loans emprestimo prestamo kredit pret lening'.split(' '),
  dating: 'dating singles lonely solteira solteiras sexy hot'.split(' '),
  casino: 'casino spins jackpot bet apostas apuesta wette'.split(' '),
  health: 'weight diet keto pills supplement gummies'.split(' '),
  kindly: 'kindly'.split(' '),
  assistance: 'assistance proposal partnership cooperation'.split(' '),
  protocol: 'protocol protocolo case ticket'.split(' '),
  identity: 'identity identidade identidad identitat identite'.split(' '),
  details: 'details information informations dados datos daten donnees gegevens'.split(' '),
  restore: 'restore reactivate recover reativar restaurar wiederherstellen restaurer herstellen'.split(' '),
  avoid: 'avoid evite evitar vermeiden eviter'.split(' '),
};

const wordToConcepts = new Map<string, string[]>();
for (const [concept, words] of Object.entries(lureConcepts)) {
  for (const w of words) {
    const list = wordToConcepts.get(w);
    if (list) list.push(concept);
    else wordToConcepts.set(w, [concept]);
  }
}

export const conceptNames: readonly string[] = Object.keys(lureConcepts);

const BODY_LIMIT = 12 * 1024;

function conceptsIn(text: string, out: Set<string>): void {
  for (const token of text.split(/[^a-z0-9-]+/)) {
    if (token.length < 2) continue;
    const hit = wordToConcepts.get(token);
    if (hit) for (const c of hit) out.add(c);
  }
}

/** Concept features: `subj:<concept>` and `body:<concept>`, each 1 when present. */
export function lexicalFeatures(subject: string, body: string): Set<string> {
  return lexicalFeaturesFolded(
    foldText(subject),
    foldText(body.length > BODY_LIMIT ? body.slice(0, BODY_LIMIT) : body),
  );
}

/** The same from text already folded (see MessageView.subjectFolded / bodyFolded). */
export function lexicalFeaturesFolded(subjectFolded: string, bodyFolded: string): Set<string> {
  const out = new Set<string>();
  const subj = new Set<string>();
  conceptsIn(subjectFolded, subj);
  for (const c of subj) out.add(`subj:${c}`);
  const b = new Set<string>();
  conceptsIn(bodyFolded.length > BODY_LIMIT ? bodyFolded.slice(0, BODY_LIMIT) : bodyFolded, b);
  for (const c of b) out.add(`body:${c}`);
  return out;
}

export const lexicalFeatureNames: readonly string[] = conceptNames.flatMap((c) => [`subj:${c}`, `body:${c}`]);
