package io.flowgres.web.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;

import io.flowgres.routing.ConsistencyToken;
import org.junit.jupiter.api.Test;

final class ConsistencyTokenSignerTest {

    private final ConsistencyTokenSigner signer = new ConsistencyTokenSigner(
            "a-token-secret-of-16+".getBytes(StandardCharsets.UTF_8));

    @Test
    void aSignedTokenIsItsPositionADotAndA128BitSignatureAndVerifiesBack() {
        ConsistencyToken token = ConsistencyToken.parse("0/16B3748");

        String text = signer.sign(token);

        assertThat(text).matches("0/16B3748\\.[A-Za-z0-9_-]{22}").hasSizeLessThanOrEqualTo(
                ConsistencyTokenSigner.MAX_LENGTH);
        assertThat(signer.verify(text)).isEqualTo(token);
        assertThat(signer.sign(new ConsistencyToken(Long.MAX_VALUE))).hasSizeLessThanOrEqualTo(
                ConsistencyTokenSigner.MAX_LENGTH);
    }

    @Test
    void aMadeUpOrUnsignedPositionIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify("7FFFFFFF/FFFFFFFF"))
                .withMessage("consistency token is malformed: expected a token such as 0/16B3748.tQ0nS0ZrVb3cQ6lXbq2h4w "
                        + "from a write response");
        String genuine = signer.sign(ConsistencyToken.parse("0/16B3748"));
        String moved = "7FFFFFFF/FFFFFFFF" + genuine.substring(genuine.indexOf('.'));
        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify(moved))
                .withMessage("consistency token has a bad signature: send back the Flowgres-Consistency value of a "
                        + "write response unchanged");
    }

    @Test
    void aTokenOfAnotherSecretIsRefused() {
        ConsistencyTokenSigner other = new ConsistencyTokenSigner("another-secret-of-16+".getBytes(
                StandardCharsets.UTF_8));

        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify(other.sign(new ConsistencyToken(42))))
                .withMessageStartingWith("consistency token has a bad signature");
    }

    @Test
    void theKeyIsDerivedSoACursorSignatureOfTheSameSecretIsNoTokenSignature() throws Exception {
        byte[] secret = "a-token-secret-of-16+".getBytes(StandardCharsets.UTF_8);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
        byte[] raw = java.util.Arrays.copyOf(mac.doFinal("0/10".getBytes(StandardCharsets.US_ASCII)), 16);
        String signedWithTheRawSecret = "0/10." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(raw);

        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify(signedWithTheRawSecret))
                .withMessageStartingWith("consistency token has a bad signature");
    }

    @Test
    void malformedLongOrNonCanonicalTextIsRefused() {
        String genuine = signer.sign(ConsistencyToken.parse("0/16B3748"));
        String signature = genuine.substring(genuine.indexOf('.'));
        for (String bad : new String[] {"not-a-token", "0/16B3748", ".abc", "0/16B3748.", "0/16B3748.!!!",
            "0/16B3748.a.b", "0/16b3748" + signature, "00/16B3748" + signature, "x/y" + signature,
            "0/16B3748" + signature + "\u0000", "0/16B3748" + signature.substring(0, 10)}) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> signer.verify(bad))
                    .withMessageStartingWith("consistency token");
        }
        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify("0/1." + "A".repeat(100)))
                .withMessage("consistency token is empty or longer than 64 characters");
        assertThatIllegalArgumentException().isThrownBy(() -> signer.verify(""))
                .withMessage("consistency token is empty or longer than 64 characters");
    }

    @Test
    void aShortSecretIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new ConsistencyTokenSigner(new byte[15]))
                .withMessage("consistency token secret must be at least 16 bytes, was 15");
    }
}
