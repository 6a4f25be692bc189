import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DataKey, DataKeyProvider, KeyContext } from '#core/ports.ts';

/** KMS checks the encryption context on Decrypt: a data key wrapped for one tenant opens for no other. */
const encryptionContext = (context: KeyContext) => ({ tenant: context.tenant, purpose: context.purpose });

export class KmsDataKeyProvider implements DataKeyProvider {
  constructor(
    private readonly client: KMSClient,
    /** Key ARN or alias. */
    private readonly keyId: string,
  ) {}

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const response = await this.client.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: encryptionContext(context),
      }),
    );
    if (!response.Plaintext || !response.CiphertextBlob || !response.KeyId) {
      throw new Error('KMS GenerateDataKey answered without a key');
    }
    return { plaintext: response.Plaintext, wrapped: response.CiphertextBlob, masterKeyId: response.KeyId };
  }

  async decryptDataKey(wrapped: Uint8Array, context: KeyContext): Promise<Uint8Array> {
    const response = await this.client.send(
      new DecryptCommand({
        // Naming the key stops KMS from using whatever key the ciphertext claims.
        KeyId: this.keyId,
        CiphertextBlob: wrapped,
        EncryptionContext: encryptionContext(context),
      }),
    );
    if (!response.Plaintext) throw new Error('KMS Decrypt answered without a key');
    return response.Plaintext;
  }
}
