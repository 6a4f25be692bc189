/** Structure family: header anomalies that are about deception, not about the era. */
import { defineRule, type Rule } from './rule.ts';

export const structureRules: readonly Rule[] = [
  defineRule({
    id: 'structure.fake-reply',
    family: 'structure',
    severity: 'low',
    description: 'The subject starts with RE:/FW: but the message references no earlier message.',
    weight: 0.6,
    evaluate: (v) => {
      if (!/^\s*(re|fw|fwd|aw|wg|enc|res|rv|tr)\s*:/i.test(v.email.subject)) return null;
      if (v.header('in-reply-to') || v.header('references') || v.header('thread-index')) return null;
      return { evidence: `subject "${v.email.subject.slice(0, 8)}…" without In-Reply-To/References` };
    },
  }),
  defineRule({
    id: 'structure.undisclosed-recipients',
    family: 'structure',
    severity: 'low',
    description: 'No visible recipient: the message was sent to undisclosed or hidden recipients.',
    weight: 0.5,
    evaluate: (v) => {
      const to = v.header('to');
      // A missing To is common in old list mail: only an explicit "undisclosed recipients" counts.
      if (to === null) return null;
      return /undisclosed|recipients?:\s*;|^\s*:;\s*$/i.test(to) ||
        (v.email.to.length === 0 && to.trim() === '')
        ? { evidence: 'undisclosed recipients' }
        : null;
    },
  }),
];
