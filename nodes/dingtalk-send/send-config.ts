// Turns a dingtalk-send node's form into the core's SendConfig (no Node-RED imports, tested directly).
import {
  checkSendConfig,
  type KeywordMode,
  MESSAGE_TYPES,
  type MessageTemplate,
  type MessageType,
  type Problem,
  parseMentionList,
  problem,
  type SendConfig,
} from '../core/dingtalk/index';

export interface ButtonDef {
  title?: string;
  actionURL?: string;
}

export interface FeedLinkDef {
  title?: string;
  messageURL?: string;
  picURL?: string;
}

/** The node's form, as saved in the flow. */
export interface SendDef {
  robot?: string;
  /** 'template' (built from the form) or 'payload' (msg.payload is the whole DingTalk message). */
  source?: string;
  msgtype?: string;
  title?: string;
  text?: string;
  messageUrl?: string;
  picUrl?: string;
  /** actionCard: 'single' (one button) or 'multiple'. */
  buttons?: string;
  singleTitle?: string;
  singleURL?: string;
  btns?: ButtonDef[];
  btnOrientation?: string;
  links?: FeedLinkDef[];
  atMobiles?: string;
  atUserIds?: string;
  atAll?: boolean;
  mentionsFromMsg?: boolean;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The template the form describes (only the fields its message type uses). */
export function templateFrom(def: SendDef): MessageTemplate {
  const type = (MESSAGE_TYPES as readonly string[]).includes(str(def.msgtype))
    ? (def.msgtype as MessageType)
    : 'text';
  switch (type) {
    case 'text':
      return { type, text: str(def.text) };
    case 'markdown':
      return { type, title: str(def.title), text: str(def.text) };
    case 'link':
      return {
        type,
        title: str(def.title),
        text: str(def.text),
        messageUrl: str(def.messageUrl),
        picUrl: str(def.picUrl),
      };
    case 'actionCard': {
      const card: MessageTemplate = {
        type,
        title: str(def.title),
        text: str(def.text),
        btnOrientation: def.btnOrientation === '1' ? '1' : '0',
      };
      if (def.buttons === 'multiple') {
        card.btns = (def.btns ?? []).map((button) => ({
          title: str(button.title),
          actionURL: str(button.actionURL),
        }));
      } else {
        card.singleTitle = str(def.singleTitle);
        card.singleURL = str(def.singleURL);
      }
      return card;
    }
    case 'feedCard':
      return {
        type,
        links: (def.links ?? []).map((link) => ({
          title: str(link.title),
          messageURL: str(link.messageURL),
          picURL: str(link.picURL),
        })),
      };
  }
}

/** The core's settings for this node, with the robot's keywords, and what is wrong with them (if anything). */
export function sendConfigFrom(
  def: SendDef,
  robot: { keywords: readonly string[]; keywordMode: KeywordMode },
): { config: SendConfig; problems: Problem[] } {
  const config: SendConfig = {
    source: def.source === 'payload' ? 'payload' : 'template',
    mentions: {
      atMobiles: parseMentionList(str(def.atMobiles)),
      atUserIds: parseMentionList(str(def.atUserIds)),
      isAtAll: def.atAll === true,
    },
    mentionsFromMsg: def.mentionsFromMsg !== false,
    keywords: robot.keywords,
    keywordMode: robot.keywordMode,
  };
  if (config.source === 'template') {
    config.template = templateFrom(def);
    if (def.buttons !== 'multiple' && config.template.type === 'actionCard' && !str(def.singleTitle).trim()) {
      // one button chosen but not filled in: say so, rather than "add a button"
      return {
        config,
        problems: [
          problem('invalid_message', {
            path: 'actionCard.singleTitle',
            detail: 'actionCard.singleTitle is required',
          }),
        ],
      };
    }
  }
  return { config, problems: checkSendConfig(config) };
}
