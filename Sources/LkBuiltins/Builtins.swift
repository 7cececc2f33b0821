import LkLang
import LkStudy
public enum LkBuiltinsModule {}
