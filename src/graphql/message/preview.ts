import type { Preview } from '../../loaders.js';
import { builder } from '../builder.js';

const PreviewSource = builder.enumType('PreviewSource', {
  description: 'Which Cloudflare endpoint produced a preview.',
  values: {
    DETECTION: { value: 'detection', description: 'E4: the preview of a detected (non-benign) message.' },
    ANY_MESSAGE: { value: 'any', description: 'E5: the on-demand preview of a message that was not a detection.' },
  } as const,
});

/** E4 / E5 */
export const PreviewRef = builder.objectRef<Preview>('Preview').implement({
  description: 'A rendered image of the message body.',
  fields: (t) => ({
    screenshot: t.exposeString('screenshot', { nullable: false, description: 'The image as base64-encoded PNG.' }),
    dataUrl: t.string({
      nullable: false,
      description: 'The same image as a `data:image/png;base64,…` URL, ready for an `<img src>`.',
      resolve: (preview) => `data:image/png;base64,${preview.screenshot}`,
    }),
    source: t.field({
      type: PreviewSource,
      nullable: false,
      description: 'Which endpoint produced it.',
      resolve: (preview) => preview.source,
    }),
  }),
});
