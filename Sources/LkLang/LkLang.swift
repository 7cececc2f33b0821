import LkTensor
public enum LkLang {}
